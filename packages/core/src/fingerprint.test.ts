import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdemError } from './errors.ts';
import { canonicalJson } from './canonical-json.ts';
import { fingerprint, fingerprintMatches } from './fingerprint.ts';

// Reorders every object's keys, recursively: the same JSON value, written differently.
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  entries.sort(
    (a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 31 + seed) % 7) || (a[0] < b[0] ? 1 : -1),
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, seed + 1)]));
}

const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

describe('fingerprint', () => {
  it('K10: canonically equal inputs share a fingerprint (key order and whitespace do not matter)', () => {
    fc.assert(
      fc.property(json, fc.integer(), (value, seed) => {
        const reordered = shuffleKeys(value, seed);
        const spaced = JSON.parse(JSON.stringify(reordered, null, 2)) as unknown;
        expect(fingerprint({ value: spaced }).hash).toBe(fingerprint({ value }).hash);
      }),
      { numRuns: 300 },
    );
  });

  it('K10: changing any one value changes the fingerprint', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }),
        fc.nat(),
        (obj, pick) => {
          const value = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
          const keys = Object.keys(value);
          const key = keys[pick % keys.length]!;
          const changed = { ...value, [key]: { changed: value[key] ?? null } };
          expect(fingerprint({ value: changed }).hash).not.toBe(fingerprint({ value }).hash);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('K10: matches the reference RFC 8785 implementation (canonicalize) on any JSON value, sorted or not', () => {
    const keyish = fc.oneof(
      fc.string(),
      fc.constantFrom(
        '0',
        '1',
        '10',
        '2',
        '01',
        '-1',
        '1.5',
        'é',
        '\u20ac',
        '\ud83d\ude00',
        '',
        '__proto__',
        'toJSON',
      ),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'grapheme' }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(keyish, tie('node'), { maxKeys: 5 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.boolean(), (v, sort) => {
        const input = sort ? (JSON.parse(canonicalize(v)!) as unknown) : v;
        expect(canonicalJson(input)).toBe(canonicalize(input));
      }),
      { numRuns: 2000 },
    );
  });

  it('K10: follows RFC 8785 for numbers, escapes and key order (UTF-16 code units)', () => {
    expect(canonicalJson({ b: 1e21, a: 1.0, c: -0, d: 'é\u2028"', '\u20ac': 1, '\r': 2 })).toBe(
      '{"\\r":2,"a":1,"b":1e+21,"c":0,"d":"é\u2028\\"","€":1}',
    );
    // Integer-like keys are enumerated numerically by JavaScript but sorted as strings by RFC 8785.
    expect(canonicalJson({ 10: 'a', 2: 'b', 1: 'c' })).toBe('{"1":"c","10":"a","2":"b"}');
    // Each way through the canonicaliser: already in order, unsorted, and the cases a sorted copy cannot carry.
    expect(canonicalJson({ a: [1, { b: 2 }], c: 'x' })).toBe('{"a":[1,{"b":2}],"c":"x"}');
    expect(canonicalJson({ c: 'x', a: [1, { d: 1, b: 2 }] })).toBe('{"a":[1,{"b":2,"d":1}],"c":"x"}');
    expect(canonicalJson(JSON.parse('{"z":1,"__proto__":{"y":2,"x":1}}'))).toBe(
      '{"__proto__":{"x":1,"y":2},"z":1}',
    );
    expect(canonicalJson({ b: new Date(0), a: 1 })).toBe('{"a":1,"b":"1970-01-01T00:00:00.000Z"}');
    expect(() => canonicalJson({ b: [Number.NaN], a: 1 })).toThrow(IdemError);
  });

  it('K10: byte-exact mode tells apart payloads canonical mode treats as equal', () => {
    const a = fingerprint({ raw: '{"a":1,"b":2}' }, { mode: 'bytes' });
    const b = fingerprint({ raw: '{"b":2,"a":1}' }, { mode: 'bytes' });
    expect(a.alg).toBe('bytes-sha256/1');
    expect(a.hash).not.toBe(b.hash);
    expect(fingerprint({ value: { a: 1, b: 2 } }).hash).toBe(fingerprint({ value: { b: 2, a: 1 } }).hash);
  });

  it('K10: excluded fields do not count', () => {
    const a = fingerprint({ value: { amount: 1, meta: { trace: 'x' } } }, { exclude: ['meta.trace'] });
    const b = fingerprint({ value: { amount: 1, meta: { trace: 'y' } } }, { exclude: ['meta.trace'] });
    expect(a.hash).toBe(b.hash);
    expect(
      fingerprint({ value: { amount: 2, meta: { trace: 'y' } } }, { exclude: ['meta.trace'] }).hash,
    ).not.toBe(a.hash);
  });

  it('K10: a stored fingerprint is compared by the algorithm that made it', () => {
    const stored = fingerprint({ raw: '{"a":1}' }, { mode: 'bytes' });
    const incoming = fingerprint({ value: { a: 1 }, raw: '{"a":1}' });
    expect(incoming.alg).not.toBe(stored.alg);
    expect(fingerprintMatches(stored, incoming)).toBe(true);
    expect(fingerprintMatches({ alg: 'future/9', hash: stored.hash }, incoming)).toBe(false);
    expect(fingerprintMatches(stored, fingerprint({ value: { a: 1 } }))).toBe(false);
  });

  it('no payload and null are different payloads', () => {
    expect(fingerprint({ value: undefined }).hash).not.toBe(fingerprint({ value: null }).hash);
  });

  it('refuses what JSON cannot carry with PAYLOAD_INVALID', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, { n: 10n }, cyclic]) {
      expect(() => fingerprint({ value: bad })).toThrow(IdemError);
      try {
        fingerprint({ value: bad });
      } catch (error) {
        expect((error as IdemError).code).toBe('PAYLOAD_INVALID');
      }
    }
    expect(() => fingerprint({ value: 1 }, { mode: 'bytes' })).toThrow(/raw request body/);
  });
});
