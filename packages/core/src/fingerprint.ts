// Request fingerprints (K10). A key may only be reused for the same request; the fingerprint is what "same"
// means. Two modes:
// - canonical: RFC 8785 JSON canonicalisation (key order and whitespace do not matter), then SHA-256;
// - bytes: SHA-256 over the raw body exactly as received (seed 000 asks for byte-for-byte comparison).
// Each fingerprint names its algorithm and version, stored with the key. If an algorithm ever changes, the old
// one stays here under its old name, so a stored key is always compared by the algorithm that made it and an
// upgrade never turns a genuine retry into a false conflict.
import { sha256 } from '#digest';
import { canonicalJson } from './canonical-json.ts';
import { IdemError } from './errors.ts';

/** How a payload is compared with the one stored under its key. */
export type FingerprintMode = 'canonical' | 'bytes';

/** The algorithms this version knows. Never remove or change one: add a new name instead. */
export const FINGERPRINT_ALGORITHMS = ['jcs-sha256/1', 'bytes-sha256/1'] as const;
export type FingerprintAlgorithm = (typeof FINGERPRINT_ALGORITHMS)[number];

/** What a request is fingerprinted from: its parsed value and, for byte-exact mode, its raw body. */
export interface FingerprintInput {
  /** The parsed payload (JSON-compatible). `undefined` means "no payload". */
  value?: unknown;
  /** The raw body as received; required by the `bytes` mode. */
  raw?: string | Uint8Array;
}

export interface FingerprintOptions {
  mode?: FingerprintMode;
  /**
   * Dotted paths removed before canonicalising, for fields that legitimately differ between retries
   * (a client timestamp, a trace id). Only in canonical mode.
   */
  exclude?: readonly string[];
}

/** A request's fingerprint: the algorithm that made it and the hash, plus a way to hash under another one. */
export interface Fingerprint {
  readonly alg: string;
  readonly hash: string;
  /** The canonical text the hash was taken over (canonical mode), for events and conflict diffs. */
  readonly canonical: string | undefined;
  /** The same input hashed by another known algorithm; undefined when that algorithm cannot apply. */
  rehash(alg: string): string | undefined;
}

/** Removes dotted paths from a copy of a JSON value; the original is never mutated. */
function withoutPaths(value: unknown, paths: readonly string[]): unknown {
  if (paths.length === 0 || value === null || typeof value !== 'object') return value;
  const copy: unknown = structuredClone(value);
  for (const path of paths) {
    const parts = path.split('.');
    let node: unknown = copy;
    for (let i = 0; i < parts.length - 1 && node !== null && typeof node === 'object'; i++) {
      node = (node as Record<string, unknown>)[parts[i]!];
    }
    if (node !== null && typeof node === 'object') delete (node as Record<string, unknown>)[parts.at(-1)!];
  }
  return copy;
}

function hashWith(alg: string, input: FingerprintInput, exclude: readonly string[]): string | undefined {
  switch (alg) {
    case 'jcs-sha256/1':
      return sha256(canonicalJson(withoutPaths(input.value, exclude)));
    case 'bytes-sha256/1':
      return input.raw === undefined ? undefined : sha256(input.raw);
    default:
      return undefined;
  }
}

/**
 * Fingerprints a request.
 *
 * @example
 * fingerprint({ value: { b: 1, a: 2 } }).hash === fingerprint({ value: { a: 2, b: 1 } }).hash // true
 * fingerprint({ raw: '{"a":1}' }, { mode: 'bytes' }).alg // 'bytes-sha256/1'
 */
export function fingerprint(input: FingerprintInput, options: FingerprintOptions = {}): Fingerprint {
  const mode = options.mode ?? 'canonical';
  const exclude = options.exclude ?? [];
  if (mode === 'bytes') {
    if (input.raw === undefined) {
      throw new IdemError('PAYLOAD_INVALID', 'byte-exact comparison needs the raw request body', {});
    }
    const hash = sha256(input.raw);
    return {
      alg: 'bytes-sha256/1',
      hash,
      canonical: undefined,
      rehash: (alg) => (alg === 'bytes-sha256/1' ? hash : hashWith(alg, input, exclude)),
    };
  }
  const canonical = canonicalJson(withoutPaths(input.value, exclude));
  const hash = sha256(canonical);
  return {
    alg: 'jcs-sha256/1',
    hash,
    canonical,
    rehash: (alg) => (alg === 'jcs-sha256/1' ? hash : hashWith(alg, input, exclude)),
  };
}

/** Whether an incoming fingerprint equals a stored (alg, hash), judged by the stored algorithm. */
export function fingerprintMatches(stored: { alg: string; hash: string }, incoming: Fingerprint): boolean {
  if (stored.alg === incoming.alg) return stored.hash === incoming.hash;
  const rehashed = incoming.rehash(stored.alg);
  return rehashed !== undefined && rehashed === stored.hash;
}
