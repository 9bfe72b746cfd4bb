/**
 * Every failure idem reports has one of these codes. Callers switch on the code, never on the message; the
 * edge (tRPC middleware, REST door) is the one place that maps a code to an HTTP status.
 */
export type IdemErrorCode =
  /** The policy requires a key and the request carried none (K6). */
  | 'KEY_MISSING'
  /** The key is the empty string (K5). */
  | 'KEY_EMPTY'
  /** The key is longer than the policy's maxLength, 255 by default (K5). */
  | 'KEY_TOO_LONG'
  /** The key holds a character outside printable ASCII: control characters and non-ASCII are refused (K5). */
  | 'KEY_INVALID_CHARS'
  /** The key does not match the policy's pattern (K5). */
  | 'KEY_PATTERN_MISMATCH'
  /** The payload is larger than the policy allows. */
  | 'PAYLOAD_TOO_LARGE'
  /** The payload cannot be fingerprinted (not JSON: a cycle, a BigInt, a function). */
  | 'PAYLOAD_INVALID'
  /** The store cannot be reached; the caller must fail closed and not run the mutation. */
  | 'STORE_UNAVAILABLE'
  /** A policy option is invalid; raised at construction, never per request. */
  | 'INVALID_POLICY'
  /** A holder's lease was taken over: its outcome is refused so the new holder's stands (K11). */
  | 'LEASE_LOST'
  /** Waiting for an in-flight duplicate took longer than the policy's bound. */
  | 'WAIT_TIMEOUT'
  /** A request reached the engine without a caller scope or procedure: keys must belong to someone (K9). */
  | 'SCOPE_MISSING'
  /** The database's idem schema is newer than this code: upgrade idem, the database is not touched. */
  | 'SCHEMA_TOO_NEW'
  /** A migration applied to the database differs from this code's (its checksum changed). */
  | 'SCHEMA_MODIFIED'
  /** The store's tables are missing or older than this code: run `idem migrate` (or migrate()). */
  | 'SCHEMA_MISSING';

/** Extra, code-specific facts: which option, which limit, which key. Never secrets. */
export interface IdemErrorDetails {
  [name: string]: string | number | boolean | null | undefined;
}

/**
 * The one error class of @idem/core: a stable `code`, a message for humans, and details for machines.
 *
 * @example
 * try { definePolicy({ ttlMs: -1 }) } catch (e) {
 *   if (e instanceof IdemError && e.code === 'INVALID_POLICY') console.error(e.details.option); // 'ttlMs'
 * }
 */
export class IdemError extends Error {
  override readonly name = 'IdemError';
  readonly code: IdemErrorCode;
  readonly details: IdemErrorDetails;

  constructor(
    code: IdemErrorCode,
    message: string,
    details: IdemErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** Narrows an unknown error to an IdemError, optionally of one code. */
export function isIdemError(error: unknown, code?: IdemErrorCode): error is IdemError {
  return error instanceof IdemError && (code === undefined || error.code === code);
}
