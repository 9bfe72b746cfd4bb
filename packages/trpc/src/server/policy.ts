// An idempotent procedure's policy at the edge: what its keys mean (a @idem/core Policy), where its key comes
// from, how its answers look on the wire (header names, statuses, codes, body fields), and which input fields
// must stay unique across keys (N5). idempotent() takes these options, on their own or over a preset.
import { definePolicy, IdemError, type IdempotencyStore, type Policy, type PolicyOptions } from '@idem/core';
import type { IdempotencyOptions } from './middleware.ts';
import { type PresetName, presets } from './presets.ts';

/** Where an operation's key comes from. */
export type KeySource =
  /** A request header the client sends (Idempotency-Key by default); per operation in a batch. */
  | { readonly kind: 'header'; readonly header: string }
  /** Input fields whose values name the resource (external_id …): a natural key (N1–N4). */
  | { readonly kind: 'fields'; readonly fields: readonly string[] };

/** How the edge answers each decision. */
export interface Presentation {
  /** Refusal of a conflicting payload under a used key (K3). */
  readonly conflict: { readonly status: number; readonly code: string; readonly message: string };
  /** Refusal of a duplicate while the first runs (K4); a Retry-After goes with it. */
  readonly inFlight: {
    readonly status: number;
    readonly code: string;
    readonly message: string;
    /** Sent as Retry-After (rounded up to whole seconds) and in data.idempotency.retryAfterMs. */
    readonly retryAfterMs: number;
  };
  readonly replay: {
    /** Response header marking a replay (K2, C6); null sends none. */
    readonly header: string | null;
    /** Body field set to "created" or "replayed" for procedures that opt in (seed 001); null for none. */
    readonly bodyField: string | null;
    /** Status to answer a replay with instead of the stored one (seed 000 sales-events: 200, not 201). */
    readonly status: number | null;
  };
  /** Status for a missing, empty, too long or malformed key (K5, K6). */
  readonly invalidKeyStatus: number;
}

/** Fields whose values, together, may belong to only one idempotency key of a caller (N5). */
export interface UniqueConstraint {
  /** Dotted input paths, e.g. ['parent.type', 'parent.id', 'email']. */
  readonly fields: readonly string[];
  /**
   * How values are compared: `text` as people mean them (trimmed, inner spaces collapsed, Unicode-normalised,
   * case-folded, so "José " and "JOSÉ" match), `exact` as sent.
   */
  readonly compare: 'text' | 'exact';
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** A policy as the middleware applies it. */
export interface EdgePolicy {
  readonly policy: Policy;
  readonly source: KeySource;
  readonly presentation: Presentation;
  readonly unique: readonly UniqueConstraint[];
}

type Section<T> = { -readonly [K in keyof T]?: T[K] };

/**
 * Options of idempotent(): a preset (default `ietf`) and any override, section by section. Sections mix what a key
 * means (`key.required`, `ttlMs`, `inFlight.mode` …) with how answers look (`key.header`, `conflict.status` …).
 */
export interface IdempotentOptions {
  preset?: PresetName;
  name?: string;
  key?: PolicyOptions['key'] & {
    /** The request header the key is read from (default Idempotency-Key). */
    header?: string;
    /** Input fields forming a natural key instead of a header (N1–N4). */
    fields?: readonly string[];
  };
  ttlMs?: number | null;
  leaseMs?: number;
  fingerprint?: PolicyOptions['fingerprint'];
  onMismatch?: PolicyOptions['onMismatch'];
  conflict?: Section<Presentation['conflict']>;
  inFlight?: PolicyOptions['inFlight'] & Section<Presentation['inFlight']>;
  store?: PolicyOptions['store'];
  replay?: Section<Presentation['replay']>;
  invalidKeyStatus?: number;
  maxPayloadBytes?: number;
  unique?: readonly (Pick<UniqueConstraint, 'fields'> & Partial<Omit<UniqueConstraint, 'fields'>>)[];
}

const OPTIONS: ReadonlySet<string> = new Set([
  'preset',
  'name',
  'key',
  'ttlMs',
  'leaseMs',
  'fingerprint',
  'onMismatch',
  'conflict',
  'inFlight',
  'store',
  'replay',
  'invalidKeyStatus',
  'maxPayloadBytes',
  'unique',
] satisfies (keyof IdempotentOptions)[]);
/** createIdempotency()'s options. */
const FACTORY_OPTIONS: ReadonlySet<string> = new Set([
  'engine',
  'scope',
  'http',
  'transformer',
  'transaction',
  'isTransient',
  'requestLog',
] satisfies (keyof IdempotencyOptions<object, IdempotencyStore>)[]);

function invalid(option: string, message: string): never {
  throw new IdemError('INVALID_POLICY', `invalid idempotency policy: ${option} ${message}`, { option });
}

/**
 * Refuses an option `where` does not know: ignored, a typo or an option that belongs to the other function would
 * change nothing without a word.
 */
function checkOptions(options: object, where: 'idempotent()' | 'createIdempotency()'): void {
  const [own, other] = where === 'idempotent()' ? [OPTIONS, FACTORY_OPTIONS] : [FACTORY_OPTIONS, OPTIONS];
  const otherName = where === 'idempotent()' ? 'createIdempotency()' : 'idempotent()';
  // idempotent() takes keyFrom itself, before its policy reaches here.
  const known = where === 'idempotent()' ? [...own, 'keyFrom'] : [...own];
  for (const option of Object.keys(options)) {
    if (own.has(option)) continue;
    if (other.has(option)) invalid(option, `is an option of ${otherName}, not of ${where}`);
    invalid(option, `is not an option of ${where} (known: ${known.join(', ')})`);
  }
}

/** Refuses an option createIdempotency() does not know, as resolvePolicy does for idempotent(). */
export const checkFactoryOptions = (options: object): void => checkOptions(options, 'createIdempotency()');

function status(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    invalid(option, `must be an HTTP status from ${min} to ${max} (got ${String(value)})`);
  return value;
}

function text(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(option, 'must be a non-empty string');
  return value;
}

// RFC 9110 token characters: what a header name may hold.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerName(option: string, value: unknown): string {
  if (typeof value !== 'string' || !HEADER_NAME.test(value))
    invalid(option, 'must be a valid HTTP header name');
  return value;
}

const merge = <T extends object>(base: T | undefined, over: T | undefined): T => ({ ...base, ...over }) as T;

/** Merges options over their preset: each section field by field. */
function combine(base: IdempotentOptions, over: IdempotentOptions): IdempotentOptions {
  return {
    ...base,
    ...over,
    key: merge(base.key, over.key),
    fingerprint: merge(base.fingerprint, over.fingerprint),
    conflict: merge(base.conflict, over.conflict),
    inFlight: merge(base.inFlight, over.inFlight),
    store: merge(base.store, over.store),
    replay: merge(base.replay, over.replay),
  };
}

/**
 * Resolves and validates idempotent()'s options: the preset's values (default `ietf`) overridden section by
 * section. A bad option fails here, at startup, with IdemError INVALID_POLICY naming it.
 *
 * @example
 * resolvePolicy({ preset: 'novu', key: { required: true } })
 */
export function resolvePolicy(options: IdempotentOptions = {}): EdgePolicy {
  checkOptions(options, 'idempotent()');
  const presetName = options.preset ?? 'ietf';
  if (!(presetName in presets)) {
    invalid('preset', `must be one of ${Object.keys(presets).join(', ')} (got ${String(presetName)})`);
  }
  const o = combine(presets[presetName], options);
  const key = o.key ?? {};
  const fields = key.fields ?? [];
  if (!Array.isArray(fields)) invalid('key.fields', 'must be a list of input paths');
  for (const [i, f] of fields.entries()) text(`key.fields[${i}]`, f);
  const source: KeySource =
    fields.length > 0
      ? { kind: 'fields', fields: Object.freeze([...fields]) }
      : { kind: 'header', header: headerName('key.header', key.header ?? 'Idempotency-Key') };

  const { header: _header, fields: _fields, ...coreKey } = key;
  const { status: _s, code: _c, message: _m, retryAfterMs: _r, ...coreInFlight } = o.inFlight ?? {};
  const policy = definePolicy({
    name: o.name ?? presetName,
    key: coreKey,
    ...(o.ttlMs !== undefined ? { ttlMs: o.ttlMs } : {}),
    ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
    ...(o.fingerprint ? { fingerprint: o.fingerprint } : {}),
    ...(o.onMismatch ? { onMismatch: o.onMismatch } : {}),
    inFlight: coreInFlight,
    ...(o.store ? { store: o.store } : {}),
    ...(o.maxPayloadBytes !== undefined ? { maxPayloadBytes: o.maxPayloadBytes } : {}),
  });

  const conflict = o.conflict ?? {};
  const inFlight = o.inFlight ?? {};
  const replay = o.replay ?? {};
  const presentation: Presentation = Object.freeze({
    conflict: Object.freeze({
      status: status('conflict.status', conflict.status, 400, 599),
      code: text('conflict.code', conflict.code),
      message: text('conflict.message', conflict.message),
    }),
    inFlight: Object.freeze({
      status: status('inFlight.status', inFlight.status, 400, 599),
      code: text('inFlight.code', inFlight.code),
      message: text('inFlight.message', inFlight.message),
      retryAfterMs: ((v: unknown) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 86_400_000)
          invalid('inFlight.retryAfterMs', `must be an integer from 0 to 86400000 (got ${String(v)})`);
        return v;
      })(inFlight.retryAfterMs),
    }),
    replay: Object.freeze({
      header:
        replay.header === null || replay.header === undefined
          ? null
          : headerName('replay.header', replay.header),
      bodyField:
        replay.bodyField === null || replay.bodyField === undefined
          ? null
          : text('replay.bodyField', replay.bodyField),
      status:
        replay.status === null || replay.status === undefined
          ? null
          : status('replay.status', replay.status, 200, 299),
    }),
    invalidKeyStatus: status('invalidKeyStatus', o.invalidKeyStatus, 400, 499),
  });

  const unique = Object.freeze(
    (o.unique ?? []).map((u, i) => {
      if (!Array.isArray(u.fields) || u.fields.length === 0)
        invalid(`unique[${i}].fields`, 'must name at least one field');
      for (const [j, f] of u.fields.entries()) text(`unique[${i}].fields[${j}]`, f);
      const compare = u.compare ?? 'exact';
      if (compare !== 'text' && compare !== 'exact')
        invalid(`unique[${i}].compare`, 'must be "text" or "exact"');
      return Object.freeze({
        fields: Object.freeze([...u.fields]),
        compare,
        status: status(`unique[${i}].status`, u.status ?? 409, 400, 499),
        code: text(`unique[${i}].code`, u.code ?? 'DUPLICATE'),
        message: text(`unique[${i}].message`, u.message ?? 'This resource already exists under another key.'),
      } satisfies UniqueConstraint);
    }),
  );
  return Object.freeze({ policy, source, presentation, unique });
}
