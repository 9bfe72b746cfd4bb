// Policies: every behaviour of SPEC.md K1–K11 and N1–N4 is an option here, and each seed document is a named
// preset that reproduces it exactly. A policy is validated once, at construction; a bad option fails there with
// a message naming it, never on a request.
import { IdemError } from './errors.ts';
import type { FingerprintMode } from './fingerprint.ts';

/** What to do when a stored key meets a different payload. */
export type MismatchAction =
  /** Refuse without running (K3). */
  | 'conflict'
  /** Return the stored outcome anyway: the natural key already names the resource (N2, N3). */
  | 'replay'
  /** Run again and store the new outcome: an upsert by natural key (N1). */
  | 'execute';

/** What to do with a duplicate that arrives while the first is still running (K4). */
export type InFlightMode =
  /** Refuse at once with the in-flight status and a Retry-After (seed 002, IETF draft). */
  | 'reject'
  /** Wait until the first finishes, then refuse with the in-flight status (seed 003: "processed serially"). */
  | 'serialize'
  /** Wait until the first finishes and replay its outcome. */
  | 'wait';

export interface Policy {
  /** Shown in the dashboard and stored with each key. */
  readonly name: string;
  readonly key: {
    /** Where the edge reads the key: a request header, or fields of the input (a natural key). */
    readonly source: 'header' | 'fields';
    /** The header name (K2, K5); also the header the typed client sends. */
    readonly header: string;
    /** Dotted input paths whose values, joined with ':', form a natural key (N1–N4). */
    readonly fields: readonly string[];
    /** A missing key is refused (K6) instead of running unprotected. */
    readonly required: boolean;
    readonly maxLength: number;
    readonly pattern: RegExp | null;
  };
  /** How long a key is kept (K7); null keeps it for as long as the entity lives (natural keys, N1). */
  readonly ttlMs: number | null;
  /** How long a holder may run before a retry may take the key over (K11). Renewed while it runs. */
  readonly leaseMs: number;
  readonly fingerprint: { readonly mode: FingerprintMode; readonly exclude: readonly string[] };
  readonly onMismatch: MismatchAction;
  readonly conflict: { readonly status: number; readonly code: string; readonly message: string };
  readonly inFlight: {
    readonly mode: InFlightMode;
    readonly status: number;
    readonly code: string;
    readonly message: string;
    /** Sent as Retry-After (rounded up to whole seconds on HTTP). */
    readonly retryAfterMs: number;
    /** The longest a `serialize` or `wait` duplicate waits before it is refused like `reject`. */
    readonly waitTimeoutMs: number;
  };
  /** Which outcomes are stored and replayed (K8). Requests rejected as invalid before running never are. */
  readonly store: {
    readonly success: boolean;
    readonly clientErrors: boolean;
    readonly serverErrors: boolean;
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
  /** Largest payload accepted for fingerprinting, in bytes of its JSON. */
  readonly maxPayloadBytes: number;
  /**
   * Natural duplicates under another key (N5): each entry names input fields that must not repeat across
   * different keys of one caller. A request under a new key whose fields match what another key already
   * created is refused with the entry's status and code, without running.
   */
  readonly unique: readonly UniqueConstraint[];
}

/** Fields whose values, together, may belong to only one idempotency key of a caller (N5). */
export interface UniqueConstraint {
  /** Dotted input paths, e.g. ['parent.type', 'parent.id', 'email']. */
  readonly fields: readonly string[];
  /** Compare case-insensitively (emails, names). */
  readonly caseInsensitive: boolean;
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

type Section<T> = { -readonly [K in keyof T]?: T[K] };

/** Options for definePolicy: every field optional, filled from the preset (default `ietf`). */
export interface PolicyOptions {
  preset?: PresetName;
  name?: string;
  key?: Omit<Section<Policy['key']>, 'pattern'> & { pattern?: RegExp | string | null };
  ttlMs?: number | null;
  leaseMs?: number;
  fingerprint?: Section<Policy['fingerprint']>;
  onMismatch?: MismatchAction;
  conflict?: Section<Policy['conflict']>;
  inFlight?: Section<Policy['inFlight']>;
  store?: Section<Policy['store']>;
  replay?: Section<Policy['replay']>;
  invalidKeyStatus?: number;
  maxPayloadBytes?: number;
  unique?: readonly (Pick<UniqueConstraint, 'fields'> & Partial<Omit<UniqueConstraint, 'fields'>>)[];
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

const IETF: Policy = {
  name: 'ietf',
  key: {
    source: 'header',
    header: 'Idempotency-Key',
    fields: [],
    required: false,
    maxLength: 255,
    pattern: null,
  },
  ttlMs: DAY,
  leaseMs: 30_000,
  fingerprint: { mode: 'canonical', exclude: [] },
  onMismatch: 'conflict',
  conflict: {
    status: 422,
    code: 'IDEMPOTENCY_KEY_REUSED',
    message: 'This Idempotency-Key was already used with a different request payload.',
  },
  inFlight: {
    mode: 'reject',
    status: 409,
    code: 'IDEMPOTENCY_IN_FLIGHT',
    message: 'A request with this Idempotency-Key is still being processed; retry later.',
    retryAfterMs: 1000,
    waitTimeoutMs: 30_000,
  },
  store: { success: true, clientErrors: true, serverErrors: true },
  replay: { header: 'Idempotent-Replayed', bodyField: null, status: null },
  invalidKeyStatus: 400,
  maxPayloadBytes: 1024 * 1024,
  unique: [],
};

// Natural keys (N1–N4) reconcile a resource forever (no TTL). Only a success is a resource to reconcile with: an
// error kept forever would refuse that external_id or execution_id for good, even after its cause was fixed
// (a delivery callback that met a 404 once could never be delivered). The seeds store errors (K8) only for keys
// that expire.
const NATURAL_STORE = { success: true, clientErrors: false, serverErrors: false } as const;

const SHELFCYCLE: Policy = {
  ...IETF,
  name: 'shelfcycle',
  key: { ...IETF.key, required: true },
  conflict: {
    status: 409,
    code: 'idempotency_key_reused',
    message: 'The Idempotency-Key was reused with a different request body.',
  },
  replay: { header: null, bodyField: 'idempotencyStatus', status: null },
};

/**
 * Named presets. Each reproduces one document of ../shared/seeds exactly; `ietf` (the default) follows the
 * IETF draft "The Idempotency-Key HTTP Header Field".
 */
export const presets = {
  /** IETF draft: optional key, 422 on payload mismatch, 409 + Retry-After while in flight, 24 h. */
  ietf: IETF,
  /** Seed 000 (Noticia): optional Idempotency-Key, `Idempotent-Replayed: true`, 409 IDEMPOTENCY_CONFLICT, byte-for-byte, 24 h. */
  noticia: {
    ...IETF,
    name: 'noticia',
    fingerprint: { mode: 'bytes', exclude: [] },
    conflict: {
      status: 409,
      code: 'IDEMPOTENCY_CONFLICT',
      message: 'A key may only be reused for an identical request.',
    },
  },
  /** Seed 000 (Noticia) profiles and stores: upsert by external_id, forever (N1). */
  'noticia-upsert': {
    ...IETF,
    name: 'noticia-upsert',
    key: { ...IETF.key, source: 'fields', fields: ['external_id'], required: true },
    ttlMs: null,
    store: NATURAL_STORE,
    onMismatch: 'execute',
    inFlight: { ...IETF.inFlight, mode: 'wait' },
    replay: { header: null, bodyField: null, status: null },
  },
  /** Seed 000 (Noticia) sales-events: a known external_id is recognised, not written again, 200 not 201 (N2). */
  'noticia-recognised-create': {
    ...IETF,
    name: 'noticia-recognised-create',
    key: { ...IETF.key, source: 'fields', fields: ['external_id'], required: true },
    ttlMs: null,
    store: NATURAL_STORE,
    onMismatch: 'replay',
    inFlight: { ...IETF.inFlight, mode: 'wait' },
    replay: { header: null, bodyField: null, status: 200 },
  },
  /** Seed 001 (Shelfcycle): required key, body idempotencyStatus, 409 idempotency_key_reused. */
  shelfcycle: SHELFCYCLE,
  /**
   * Seed 001 (Shelfcycle) contacts: as `shelfcycle`, and a contact whose name or email matches an existing one
   * under the same parent, sent under another key, is refused 409 duplicate_contact (N5).
   */
  'shelfcycle-contacts': {
    ...SHELFCYCLE,
    name: 'shelfcycle-contacts',
    unique: ['name', 'email'].map((f) => ({
      fields: ['parent.type', 'parent.id', f],
      caseInsensitive: true,
      status: 409,
      code: 'duplicate_contact',
      message: `A contact with this ${f} already exists under the same parent.`,
    })),
  },
  /** Seed 002 (Novu, IETF draft): optional key ≤ 255, `Idempotency-Replay: true`, 422, 409 + Retry-After, 24 h 1 min. */
  novu: {
    ...IETF,
    name: 'novu',
    ttlMs: DAY + 60_000,
    replay: { header: 'Idempotency-Replay', bodyField: null, status: null },
  },
  /** Seed 003 (Salesbricks): X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY, every outcome stored, 400 on mismatch, serial duplicates get 409. */
  salesbricks: {
    ...IETF,
    name: 'salesbricks',
    key: { ...IETF.key, header: 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY' },
    conflict: {
      status: 400,
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: 'This idempotency key was already used with a different payload.',
    },
    inFlight: {
      ...IETF.inFlight,
      mode: 'serialize',
      message: 'A request with this idempotency key was processed first.',
    },
    replay: { header: null, bodyField: null, status: null },
  },
  /** Seed 004 (Numora) documents: external_id per (caller, schema) returns the existing document (N3). */
  'numora-documents': {
    ...IETF,
    name: 'numora-documents',
    key: { ...IETF.key, source: 'fields', fields: ['schema', 'external_id'], required: true },
    ttlMs: null,
    store: NATURAL_STORE,
    onMismatch: 'replay',
    inFlight: { ...IETF.inFlight, mode: 'wait' },
    replay: { header: null, bodyField: null, status: 200 },
  },
  /** Seed 004 (Numora) delivery callbacks: same execution_id and data accepted again, other data 409 (N4). */
  'numora-delivery': {
    ...IETF,
    name: 'numora-delivery',
    key: { ...IETF.key, source: 'fields', fields: ['execution_id'], required: true },
    ttlMs: null,
    store: NATURAL_STORE,
    conflict: {
      status: 409,
      code: 'conflict',
      message: 'This execution_id was already delivered with different data.',
    },
    inFlight: { ...IETF.inFlight, mode: 'wait' },
    replay: { header: null, bodyField: null, status: null },
  },
} as const satisfies Record<string, Policy>;

export type PresetName = keyof typeof presets;

function invalid(option: string, message: string): never {
  throw new IdemError('INVALID_POLICY', `invalid idempotency policy: ${option} ${message}`, { option });
}

function integer(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(option, `must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
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

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    invalid(option, `must be one of ${allowed.join(', ')} (got ${String(value)})`);
  return value as T;
}

function bool(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') invalid(option, 'must be true or false');
  return value;
}

const YEAR = 366 * DAY;

/**
 * Builds and validates a policy: the preset's values (default `ietf`) overridden section by section.
 *
 * @example
 * const policy = definePolicy({ preset: 'novu' });
 * const strict = definePolicy({ key: { required: true, pattern: /^[a-z]+:[\w-]+$/ }, ttlMs: 60 * 60 * 1000 });
 * definePolicy({ ttlMs: 0 }); // throws IdemError INVALID_POLICY naming "ttlMs"
 */
export function definePolicy(options: PolicyOptions = {}): Policy {
  if (options.preset !== undefined && !(options.preset in presets)) {
    invalid('preset', `must be one of ${Object.keys(presets).join(', ')} (got ${String(options.preset)})`);
  }
  const base: Policy = presets[options.preset ?? 'ietf'];
  const key = { ...base.key, ...options.key };
  const fp = { ...base.fingerprint, ...options.fingerprint };
  const conflict = { ...base.conflict, ...options.conflict };
  const inFlight = { ...base.inFlight, ...options.inFlight };
  const store = { ...base.store, ...options.store };
  const replay = { ...base.replay, ...options.replay };

  let pattern: RegExp | null = null;
  if (key.pattern !== null && key.pattern !== undefined) {
    if (key.pattern instanceof RegExp) pattern = key.pattern;
    else {
      try {
        pattern = new RegExp(text('key.pattern', key.pattern));
      } catch {
        invalid('key.pattern', `is not a valid regular expression (${String(key.pattern)})`);
      }
    }
  }
  const source = oneOf('key.source', key.source, ['header', 'fields'] as const);
  const fields = key.fields ?? [];
  if (!Array.isArray(fields)) invalid('key.fields', 'must be a list of input paths');
  for (const [i, f] of fields.entries()) text(`key.fields[${i}]`, f);
  if (source === 'fields' && fields.length === 0)
    invalid('key.fields', 'must name at least one field when key.source is "fields"');

  const mode = oneOf('fingerprint.mode', fp.mode, ['canonical', 'bytes'] as const);
  const exclude = fp.exclude ?? [];
  if (!Array.isArray(exclude)) invalid('fingerprint.exclude', 'must be a list of dotted paths');
  for (const [i, p] of exclude.entries()) text(`fingerprint.exclude[${i}]`, p);
  if (mode === 'bytes' && exclude.length > 0) {
    invalid('fingerprint.exclude', 'cannot be used with fingerprint.mode "bytes": raw bytes have no fields');
  }

  const ttlMs = options.ttlMs === undefined ? base.ttlMs : options.ttlMs;
  const leaseMs = integer('leaseMs', options.leaseMs ?? base.leaseMs, 10, DAY);
  if (ttlMs !== null) integer('ttlMs', ttlMs, 1, 10 * YEAR);
  if (ttlMs !== null && ttlMs < leaseMs) invalid('ttlMs', `must be at least leaseMs (${leaseMs})`);

  const policy: Policy = {
    name: text('name', options.name ?? base.name),
    key: {
      source,
      header: headerName('key.header', key.header),
      fields: Object.freeze([...fields]),
      required: bool('key.required', key.required),
      maxLength: integer('key.maxLength', key.maxLength, 1, 10_000),
      pattern,
    },
    ttlMs,
    leaseMs,
    fingerprint: { mode, exclude: Object.freeze([...exclude]) },
    onMismatch: oneOf('onMismatch', options.onMismatch ?? base.onMismatch, [
      'conflict',
      'replay',
      'execute',
    ] as const),
    conflict: {
      status: integer('conflict.status', conflict.status, 400, 599),
      code: text('conflict.code', conflict.code),
      message: text('conflict.message', conflict.message),
    },
    inFlight: {
      mode: oneOf('inFlight.mode', inFlight.mode, ['reject', 'serialize', 'wait'] as const),
      status: integer('inFlight.status', inFlight.status, 400, 599),
      code: text('inFlight.code', inFlight.code),
      message: text('inFlight.message', inFlight.message),
      retryAfterMs: integer('inFlight.retryAfterMs', inFlight.retryAfterMs, 0, DAY),
      waitTimeoutMs: integer('inFlight.waitTimeoutMs', inFlight.waitTimeoutMs, 1, DAY),
    },
    store: {
      success: bool('store.success', store.success),
      clientErrors: bool('store.clientErrors', store.clientErrors),
      serverErrors: bool('store.serverErrors', store.serverErrors),
    },
    replay: {
      header: replay.header === null ? null : headerName('replay.header', replay.header),
      bodyField: replay.bodyField === null ? null : text('replay.bodyField', replay.bodyField),
      status: replay.status === null ? null : integer('replay.status', replay.status, 200, 299),
    },
    invalidKeyStatus: integer(
      'invalidKeyStatus',
      options.invalidKeyStatus ?? base.invalidKeyStatus,
      400,
      499,
    ),
    maxPayloadBytes: integer(
      'maxPayloadBytes',
      options.maxPayloadBytes ?? base.maxPayloadBytes,
      1,
      1024 ** 3,
    ),
    unique: Object.freeze(
      (options.unique ?? base.unique).map((u, i) => {
        if (!Array.isArray(u.fields) || u.fields.length === 0)
          invalid(`unique[${i}].fields`, 'must name at least one field');
        for (const [j, f] of u.fields.entries()) text(`unique[${i}].fields[${j}]`, f);
        return Object.freeze({
          fields: Object.freeze([...u.fields]),
          caseInsensitive: bool(`unique[${i}].caseInsensitive`, u.caseInsensitive ?? false),
          status: integer(`unique[${i}].status`, u.status ?? 409, 400, 499),
          code: text(`unique[${i}].code`, u.code ?? 'DUPLICATE'),
          message: text(
            `unique[${i}].message`,
            u.message ?? 'This resource already exists under another key.',
          ),
        });
      }),
    ),
  };
  return Object.freeze(policy);
}

/** Whether an outcome with this status is stored under the policy (K8). */
export function storesOutcome(policy: Policy, status: number): boolean {
  if (status >= 500) return policy.store.serverErrors;
  if (status >= 400) return policy.store.clientErrors;
  return policy.store.success;
}
