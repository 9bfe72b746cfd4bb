// Which key a command names. People paste what they have: a record id from `idem keys find`, or the key a
// customer quotes. A key alone is found by search; if several callers or procedures used it, the command asks
// for --caller and --procedure rather than guess. With both given, the key is named by its identity, which also
// reaches a key that is gone but whose events remain.
import type { KeyRow, StoryView } from '@idem/admin';
import type { KeyKind } from '@idem/core';
import type { AdminClient } from './admin-client.ts';
import { isKeyNotFound } from './api-errors.ts';
import { CliError } from './cli-error.ts';

export interface TargetFlags {
  caller?: string;
  procedure?: string;
  kind?: KeyKind;
}

/** A key's identity, as release and void take it. */
export interface KeyRef {
  scope: string;
  procedure: string;
  kind: KeyKind;
  key: string;
}

const RECORD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Enough matches to name some in the message; more means the key is far too common to guess from. */
const AMBIGUOUS_SHOWN = 5;

function refOf(target: string, flags: TargetFlags): KeyRef | undefined {
  if (flags.caller === undefined || flags.procedure === undefined) return undefined;
  return { scope: flags.caller, procedure: flags.procedure, kind: flags.kind ?? 'key', key: target };
}

function narrowed(flags: TargetFlags): string {
  const parts = [
    flags.caller === undefined ? '' : ` for caller ${flags.caller}`,
    flags.procedure === undefined ? '' : ` on ${flags.procedure}`,
    flags.kind === undefined ? '' : ` of kind ${flags.kind}`,
  ];
  return parts.join('');
}

/** The one stored key named `key`, or a clear refusal. */
async function onlyKey(client: AdminClient, key: string, flags: TargetFlags): Promise<KeyRow> {
  const page = await client.keys.query({
    key,
    ...(flags.caller === undefined ? {} : { scope: flags.caller }),
    ...(flags.procedure === undefined ? {} : { procedure: flags.procedure }),
    ...(flags.kind === undefined ? {} : { kind: flags.kind }),
    limit: AMBIGUOUS_SHOWN + 1,
  });
  const [first, ...others] = page.items;
  if (first === undefined)
    throw new CliError(
      'not_found',
      `no stored key "${key}"${narrowed(flags)}; a key that expired and was purged is still found with --caller and --procedure`,
    );
  if (others.length > 0) {
    const shown = page.items
      .slice(0, AMBIGUOUS_SHOWN)
      .map((k) => `${k.id} (caller ${k.scope}, ${k.procedure})`)
      .join(', ');
    throw new CliError(
      'usage',
      `"${key}" names ${page.items.length > AMBIGUOUS_SHOWN ? 'more than ' + AMBIGUOUS_SHOWN : page.items.length} keys: add --caller and --procedure, or pass an id: ${shown}`,
    );
  }
  return first;
}

/** A story by record id; undefined when no record has that id (the text may be a key that looks like one). */
async function storyById(client: AdminClient, id: string): Promise<StoryView | undefined> {
  try {
    return await client.story.query({ id });
  } catch (error) {
    if (isKeyNotFound(error)) return undefined;
    throw error;
  }
}

/** The story of the key `target` names. */
export async function storyOf(client: AdminClient, target: string, flags: TargetFlags): Promise<StoryView> {
  const ref = refOf(target, flags);
  if (ref !== undefined) return client.story.query(ref);
  if (RECORD_ID.test(target) && flags.caller === undefined && flags.procedure === undefined) {
    const story = await storyById(client, target);
    if (story !== undefined) return story;
  }
  const row = await onlyKey(client, target, flags);
  return client.story.query({ id: row.id });
}

/** The identity of the key `target` names. */
export async function refOfTarget(client: AdminClient, target: string, flags: TargetFlags): Promise<KeyRef> {
  const ref = refOf(target, flags);
  if (ref !== undefined) return ref;
  if (RECORD_ID.test(target) && flags.caller === undefined && flags.procedure === undefined) {
    const story = await storyById(client, target);
    if (story?.record)
      return { scope: story.scope, procedure: story.procedure, kind: story.kind, key: story.key };
  }
  const row = await onlyKey(client, target, flags);
  return { scope: row.scope, procedure: row.procedure, kind: row.kind, key: row.key };
}
