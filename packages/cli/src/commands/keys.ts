// `idem keys find|show|release|void`: the dashboard's Keys page and key story (D1, D2) and its two actions on a
// key (D5 release, D8 void), through the app's admin router. Actions need the admin role; the app audits them.
import type { KeyKind } from '@idem/core';
import type { KeyState } from '@idem/core/admin';
import type { AdminClient } from '../admin-client.ts';
import { CliError } from '../cli-error.ts';
import type { Output } from '../output.ts';
import { refOfTarget, storyOf, type TargetFlags } from '../key-target.ts';
import { keyTable } from '../views/key-table.ts';
import { storyLines } from '../views/story.ts';

export interface FindOptions {
  key?: string;
  prefix?: string;
  caller?: string;
  procedure?: string;
  kind?: KeyKind;
  state?: KeyState;
  naturalId?: string;
  from?: number;
  to?: number;
  order?: 'newest' | 'oldest';
  limit?: number;
  cursor?: string;
}

export async function findKeys(client: AdminClient, options: FindOptions, out: Output): Promise<void> {
  if (options.key !== undefined && options.prefix !== undefined)
    throw new CliError(
      'usage',
      '--key and --prefix exclude each other: one exact key, or keys starting with a text',
    );
  const order = options.order ?? 'newest';
  const page = await client.keys.query({
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.prefix === undefined ? {} : { keyPrefix: options.prefix }),
    ...(options.caller === undefined ? {} : { scope: options.caller }),
    ...(options.procedure === undefined ? {} : { procedure: options.procedure }),
    ...(options.kind === undefined ? {} : { kind: options.kind }),
    ...(options.state === undefined ? {} : { state: options.state }),
    ...(options.naturalId === undefined ? {} : { naturalId: options.naturalId }),
    ...(options.from === undefined ? {} : { createdFrom: options.from }),
    ...(options.to === undefined ? {} : { createdTo: options.to }),
    ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
    order,
    limit: options.limit ?? 50,
  });
  out.data(page);
  const c = out.color;
  if (page.items.length === 0) {
    out.text(c.dim(options.cursor === undefined ? 'No key matches.' : 'No more keys.'));
    return;
  }
  out.text(keyTable(page.items, page.now, c));
  out.text(
    c.dim(
      `${page.items.length} key${page.items.length === 1 ? '' : 's'}, ${order} first.` +
        (page.nextCursor === null ? '' : ` More: the same command with --cursor ${page.nextCursor}`),
    ),
  );
}

export async function showKey(client: AdminClient, target: string, flags: TargetFlags, out: Output) {
  const story = await storyOf(client, target, flags);
  out.data(story);
  out.text(...storyLines(story, out.color));
}

const named = (ref: { key: string; scope: string; procedure: string }) =>
  `"${ref.key}" (caller ${ref.scope}, ${ref.procedure})`;

export async function releaseKey(client: AdminClient, target: string, flags: TargetFlags, out: Output) {
  const ref = await refOfTarget(client, target, flags);
  const result = await client.release.mutate(ref);
  out.data(result);
  const was = result.released;
  out.text(
    `${out.color.green('Released')} ${named(ref)}: it was in flight (fence ${was.fence}${was.leaseOwner ? `, held by ${was.leaseOwner}` : ''}). A retry now runs fresh; the old holder's outcome will be refused.`,
  );
}

/** The admin router's bounds for a reason, checked here so a short one is a usage error, not a 400. */
const REASON = { min: 3, max: 500 };

export async function voidKey(
  client: AdminClient,
  target: string,
  flags: TargetFlags & { reason: string },
  out: Output,
) {
  const reason = flags.reason.trim();
  if (reason.length < REASON.min || reason.length > REASON.max)
    throw new CliError(
      'usage',
      `--reason must be ${REASON.min} to ${REASON.max} characters: it goes into the audit log`,
    );
  const ref = await refOfTarget(client, target, flags);
  const result = await client.void.mutate({ ...ref, reason });
  out.data(result);
  const was = result.voided;
  out.text(
    `${out.color.green('Voided')} ${named(ref)}: its stored outcome (${was.state}${was.outcomeStatus === null ? '' : `, status ${was.outcomeStatus}`}) is gone, so the next request under this key runs fresh.`,
  );
}
