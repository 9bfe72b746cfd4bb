// What a key means (SPEC K1–K11, N1–N4): how keys are checked, how long they last, how long a holder may run,
// how payloads are compared, what a changed payload or a running duplicate means, and which outcomes are kept.
// How an answer looks on the wire (header names, statuses, codes, body fields) is not here: that belongs to the
// edge (@idem/trpc), whose presets pair one of these with its presentation for each seed document.
//
// A policy is validated once, at construction; a bad option fails there with a message naming it, never on a
// request.
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
  /** Refuse at once (the edge adds a Retry-After; seed 002, IETF draft). */
  | 'reject'
  /** Wait until the first finishes, then refuse (seed 003: "processed serially"). */
  | 'serialize'
  /** Wait until the first finishes and replay its outcome. */
  | 'wait';

export interface Policy {
  /** Shown in the dashboard and stored with each key. */
  readonly name: string;
  readonly key: {
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
  readonly inFlight: {
    readonly mode: InFlightMode;
    /** The longest a `serialize` or `wait` duplicate waits before it is refused like `reject`. */
    readonly waitTimeoutMs: number;
  };
  /** Which outcomes are stored and replayed (K8); the others release the key, so a retry runs again. */
  readonly store: {
    readonly success: boolean;
    /** 4xx outcomes of a request that ran (a missing order, a refused transition). */
    readonly clientErrors: boolean;
    /** 5xx outcomes. */
    readonly serverErrors: boolean;
    /** Requests refused by input validation: not stored (seed 002) or stored like any outcome (seed 003). */
    readonly invalidRequests: boolean;
  };
  /** Largest payload accepted for fingerprinting, in bytes of its JSON. */
  readonly maxPayloadBytes: number;
}

type Section<T> = { -readonly [K in keyof T]?: T[K] };

/** Options for definePolicy: every field optional, filled from `base` (default: DEFAULT_POLICY). */
export interface PolicyOptions {
  name?: string;
  key?: Omit<Section<Policy['key']>, 'pattern'> & { pattern?: RegExp | string | null };
  ttlMs?: number | null;
  leaseMs?: number;
  fingerprint?: Section<Policy['fingerprint']>;
  onMismatch?: MismatchAction;
  inFlight?: Section<Policy['inFlight']>;
  store?: Section<Policy['store']>;
  maxPayloadBytes?: number;
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const YEAR = 366 * DAY;

/**
 * The default, after the IETF draft "The Idempotency-Key HTTP Header Field": an optional key of at most 255
 * characters, kept 24 hours, compared canonically; another payload conflicts; a running duplicate is refused;
 * every outcome of a request that ran is kept, a request refused by validation is not.
 */
export const DEFAULT_POLICY: Policy = Object.freeze({
  name: 'default',
  key: Object.freeze({ required: false, maxLength: 255, pattern: null }),
  ttlMs: DAY,
  leaseMs: 30_000,
  fingerprint: Object.freeze({ mode: 'canonical', exclude: Object.freeze([]) }),
  onMismatch: 'conflict',
  inFlight: Object.freeze({ mode: 'reject', waitTimeoutMs: 30_000 }),
  store: Object.freeze({ success: true, clientErrors: true, serverErrors: true, invalidRequests: false }),
  maxPayloadBytes: 1024 * 1024,
}) as Policy;

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

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    invalid(option, `must be one of ${allowed.join(', ')} (got ${String(value)})`);
  return value as T;
}

function bool(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') invalid(option, 'must be true or false');
  return value;
}

function paths(option: string, value: unknown): readonly string[] {
  if (!Array.isArray(value)) invalid(option, 'must be a list of dotted paths');
  for (const [i, p] of value.entries()) text(`${option}[${i}]`, p);
  return Object.freeze([...(value as string[])]);
}

function regExp(option: string, value: RegExp | string | null | undefined): RegExp | null {
  if (value === null || value === undefined) return null;
  if (value instanceof RegExp) return value;
  try {
    return new RegExp(text(option, value));
  } catch {
    invalid(option, `is not a valid regular expression (${String(value)})`);
  }
}

/**
 * Builds and validates a policy: `base` (default DEFAULT_POLICY) overridden section by section.
 *
 * @example
 * const policy = definePolicy({ key: { required: true, pattern: /^[a-z]+:[\w-]+$/ }, ttlMs: 60 * 60 * 1000 });
 * definePolicy({ ttlMs: 0 }); // throws IdemError INVALID_POLICY naming "ttlMs"
 */
export function definePolicy(options: PolicyOptions = {}, base: Policy = DEFAULT_POLICY): Policy {
  const key = { ...base.key, ...options.key };
  const fp = { ...base.fingerprint, ...options.fingerprint };
  const inFlight = { ...base.inFlight, ...options.inFlight };
  const store = { ...base.store, ...options.store };

  const mode = oneOf('fingerprint.mode', fp.mode, ['canonical', 'bytes'] as const);
  const exclude = paths('fingerprint.exclude', fp.exclude ?? []);
  if (mode === 'bytes' && exclude.length > 0) {
    invalid('fingerprint.exclude', 'cannot be used with fingerprint.mode "bytes": raw bytes have no fields');
  }
  const ttlMs = options.ttlMs === undefined ? base.ttlMs : options.ttlMs;
  const leaseMs = integer('leaseMs', options.leaseMs ?? base.leaseMs, 10, DAY);
  if (ttlMs !== null) integer('ttlMs', ttlMs, 1, 10 * YEAR);
  if (ttlMs !== null && ttlMs < leaseMs) invalid('ttlMs', `must be at least leaseMs (${leaseMs})`);

  return Object.freeze({
    name: text('name', options.name ?? base.name),
    key: Object.freeze({
      required: bool('key.required', key.required),
      maxLength: integer('key.maxLength', key.maxLength, 1, 10_000),
      pattern: regExp('key.pattern', key.pattern),
    }),
    ttlMs,
    leaseMs,
    fingerprint: Object.freeze({ mode, exclude }),
    onMismatch: oneOf('onMismatch', options.onMismatch ?? base.onMismatch, [
      'conflict',
      'replay',
      'execute',
    ] as const),
    inFlight: Object.freeze({
      mode: oneOf('inFlight.mode', inFlight.mode, ['reject', 'serialize', 'wait'] as const),
      waitTimeoutMs: integer('inFlight.waitTimeoutMs', inFlight.waitTimeoutMs, 1, DAY),
    }),
    store: Object.freeze({
      success: bool('store.success', store.success),
      clientErrors: bool('store.clientErrors', store.clientErrors),
      serverErrors: bool('store.serverErrors', store.serverErrors),
      invalidRequests: bool('store.invalidRequests', store.invalidRequests),
    }),
    maxPayloadBytes: integer(
      'maxPayloadBytes',
      options.maxPayloadBytes ?? base.maxPayloadBytes,
      1,
      1024 ** 3,
    ),
  });
}

/** What the edge knows of an outcome when it decides whether the policy keeps it. */
export interface OutcomeClass {
  readonly status: number;
  /** The request was refused by input validation before the procedure ran. */
  readonly invalidRequest?: boolean;
}

/** Whether an outcome is stored under the policy (K8). */
export function storesOutcome(policy: Policy, outcome: OutcomeClass): boolean {
  if (outcome.invalidRequest) return policy.store.invalidRequests;
  if (outcome.status >= 500) return policy.store.serverErrors;
  if (outcome.status >= 400) return policy.store.clientErrors;
  return policy.store.success;
}
