// Idempotency-key validation (K5, K6). Never throws: every string, and no string at all, gets an answer.
import type { IdemErrorCode } from './errors.ts';

export interface KeyRules {
  required: boolean;
  maxLength: number;
  pattern: RegExp | null;
}

export type KeyCheck =
  | { ok: true; key: string }
  | { ok: true; key: null }
  | { ok: false; code: Extract<IdemErrorCode, `KEY_${string}`>; message: string };

// Printable ASCII only: header values cannot carry more, and a key that differs from another only by an
// invisible character is a bug waiting to be investigated.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Checks a key against a policy's rules.
 *
 * @example
 * checkKey('', rules)           // { ok: false, code: 'KEY_EMPTY', … }
 * checkKey(undefined, optional) // { ok: true, key: null }: run unprotected (K6)
 */
export function checkKey(key: unknown, rules: KeyRules): KeyCheck {
  if (key === undefined || key === null) {
    return rules.required
      ? { ok: false, code: 'KEY_MISSING', message: 'an idempotency key is required for this operation' }
      : { ok: true, key: null };
  }
  if (typeof key !== 'string') {
    return { ok: false, code: 'KEY_INVALID_CHARS', message: 'the idempotency key must be a string' };
  }
  if (key.length === 0) return { ok: false, code: 'KEY_EMPTY', message: 'the idempotency key is empty' };
  if (key.length > rules.maxLength) {
    return {
      ok: false,
      code: 'KEY_TOO_LONG',
      message: `the idempotency key is ${key.length} characters long; the limit is ${rules.maxLength}`,
    };
  }
  if (!PRINTABLE_ASCII.test(key)) {
    return {
      ok: false,
      code: 'KEY_INVALID_CHARS',
      message:
        'the idempotency key may only hold printable ASCII characters (no control or non-ASCII characters)',
    };
  }
  if (rules.pattern !== null) {
    rules.pattern.lastIndex = 0;
    if (!rules.pattern.test(key)) {
      return {
        ok: false,
        code: 'KEY_PATTERN_MISMATCH',
        message: `the idempotency key does not match the required format ${rules.pattern.source}`,
      };
    }
  }
  return { ok: true, key };
}
