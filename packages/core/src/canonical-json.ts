// RFC 8785 canonical JSON (JCS), the text a canonical fingerprint hashes (K10). Our own rather than the
// canonicalize package because it measured faster (bench/results/micro.md); the tests hold it to that package's
// output on arbitrary JSON.
import { IdemError } from './errors.ts';

const INTEGER_LIKE = /^(?:0|[1-9]\d*)$/;

// True when JSON.stringify(value) already is RFC 8785's canonical form: every object a plain one whose keys are
// in code-unit order, none integer-like (engines enumerate those first, numerically), and nothing JSON drops or
// transforms. Inputs from idem's own client are sorted, so this walk usually lets the native serialiser do the
// work: measured with callgrind at 1 KB, 140 k instructions per call against 327 k for the canonicalize package.
function alreadyCanonical(value: unknown): boolean {
  if (value === null || typeof value !== 'object') {
    return (
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value))
    );
  }
  if (Array.isArray(value)) {
    for (const item of value) if (!alreadyCanonical(item)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  let previous: string | null = null;
  for (const key in value) {
    if ((previous !== null && previous >= key) || INTEGER_LIKE.test(key)) return false;
    if (!alreadyCanonical((value as Record<string, unknown>)[key])) return false;
    previous = key;
  }
  return true;
}

// The general case (see sortedText for the usual one): RFC 8785 by hand. Keys sorted by UTF-16 code units (JavaScript's default string order),
// primitives serialised by JSON.stringify, whose number and string forms are the ones RFC 8785 prescribes.
function serialise(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError(`${value} is not allowed in JSON`);
    if (typeof value === 'bigint') throw new TypeError('BigInt is not allowed in JSON');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const skip = item === undefined || typeof item === 'function' || typeof item === 'symbol';
      out += (i === 0 ? '' : ',') + (skip ? 'null' : serialise(item));
    }
    return `${out}]`;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return serialise((value as { toJSON(): unknown }).toJSON());
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${serialise(item)}`;
    first = false;
  }
  return `${out}}`;
}

// Thrown by sortedCopy for what a plain copy cannot carry in RFC 8785's order; serialise handles it instead.
const NOT_COPYABLE = Symbol('not copyable');

// The usual case for input that is not already in order: a copy whose keys are inserted in code-unit order,
// which the native serialiser then writes as it is. Measured at 1 KB (an order of ten unsorted items), about
// 1.5× faster than serialise, whose per-key JSON.stringify calls and string building cost more than the copy.
// Integer-like keys (enumerated first, numerically, by JavaScript) and `__proto__` (an assignment would set the
// prototype, not a key) are not copyable.
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError(`${value} is not allowed in JSON`);
    return value;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = sortedCopy(value[i]);
    return copy;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw NOT_COPYABLE;
  const keys = sortedKeys(Object.keys(value));
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    if (key === '__proto__' || INTEGER_LIKE.test(key)) throw NOT_COPYABLE;
    copy[key] = sortedCopy((value as Record<string, unknown>)[key]);
  }
  return copy;
}

// Array.prototype.sort copies into a buffer of its own on every call: sorting an order's few keys that way was the
// largest single allocation of a first call (11 KB of the 49 KB at 1 KB, sampled). Objects have few keys, so an
// insertion sort in place (by UTF-16 code units, as sort() compares strings) allocates nothing and is no slower.
function sortedKeys(keys: string[]): string[] {
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function sortedText(value: unknown): string {
  try {
    return JSON.stringify(sortedCopy(value));
  } catch (error) {
    if (error === NOT_COPYABLE) return serialise(value);
    throw error;
  }
}

// The JSON text of each object canonicalJson found canonical as it stood, for as long as the object lives. The
// request log rebuilds a tRPC call's body from its payload; for such a payload (idem's own client sends its keys
// sorted) that body is the text the fingerprint has just made, and need not be serialised again.
const plainTexts = new WeakMap<object, string>();

/** `JSON.stringify(value)` when canonicalJson has already made it (the value was canonical); else undefined. */
export function jsonTextOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? plainTexts.get(value) : undefined;
}

/**
 * RFC 8785 canonical JSON of a value; `undefined` (no payload) canonicalises to the empty string.
 * Throws PAYLOAD_INVALID for what JSON cannot carry (NaN, Infinity, BigInt, cycles).
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  try {
    if (!alreadyCanonical(value)) return sortedText(value);
    const text = JSON.stringify(value);
    if (value !== null && typeof value === 'object') plainTexts.set(value, text);
    return text;
  } catch (cause) {
    throw new IdemError(
      'PAYLOAD_INVALID',
      `payload cannot be fingerprinted: ${(cause as Error).message}`,
      {},
      { cause },
    );
  }
}
