import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, jsonTextOf } from './canonical-json.ts';
import { fingerprint } from './fingerprint.ts';
import { defaultRedactor } from './redact.ts';
import { fieldTerm, loggedRequest, naturalTerm, searchTerms } from './requests.ts';

/** The terms by their definition: one set of `path=value` texts, in the order the walk meets them. */
function plainTerms(payload: unknown, natural: ReadonlySet<string>): string[] {
  const terms = new Set(natural);
  let budget = 256;
  const walk = (value: unknown, path: string, depth: number): void => {
    if (terms.size >= 64 || budget <= 0 || depth > 8 || value === null || value === undefined) return;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      budget--;
      if (path !== '' && value !== '[REDACTED]') terms.add(fieldTerm(path, String(value)));
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, path, depth + 1);
    } else if (typeof value === 'object') {
      for (const [name, item] of Object.entries(value))
        walk(item, path === '' ? name : `${path}.${name}`, depth + 1);
    }
  };
  walk(payload, '', 0);
  return [...terms].slice(0, 64);
}

const naturalOf = (naturalId: string | null) => {
  const natural = new Set<string>();
  if (naturalId) {
    natural.add(naturalTerm(naturalId));
    for (const value of naturalId.split(' ')) if (value !== '') natural.add(naturalTerm(value));
  }
  return natural;
};

// Payloads built to collide: few names (some with `=`, `~`, dots, spaces, control characters), values that read
// alike across types (1 and '1', true and 'true'), the mask, and arrays long enough to pass the limits.
const name = fc.constantFrom('a', 'b', 'sku', 'a=b', '~a', 'a.b', '', ' ', 'x\u0001', 'q ');
const scalar = fc.oneof(
  fc.constantFrom(1, '1', true, 'true', 0, -0, ' 1 ', '[REDACTED]', '', null, 2.5, '2.5'),
  fc.integer({ min: 0, max: 200 }),
  fc.string({ maxLength: 6 }),
);
const { value: payload } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 90 }),
    fc.dictionary(name, tie('value'), { maxKeys: 6 }),
  ),
}));

describe('searchTerms', () => {
  it('finds the same terms as their plain definition, whatever the payload', () => {
    fc.assert(
      fc.property(payload, fc.constantFrom(null, 'inv ap-1', '~a=1 x'), (value, naturalId) => {
        const fast = searchTerms(value, naturalId);
        const plain = plainTerms(value, naturalOf(naturalId));
        expect(new Set(fast)).toEqual(new Set(plain));
        expect(fast).toHaveLength(plain.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps one term for values that read alike, and at most 64 terms', () => {
    expect(searchTerms({ lines: [{ qty: 1 }, { qty: '1' }, { qty: 1 }, { qty: true }] }, null)).toEqual([
      'lines.qty=1',
      'lines.qty=true',
    ]);
    // A name holding `=` or starting with `~` makes the same text as another path's term or a natural term.
    expect(searchTerms({ 'a=b': 'c', a: 'b=c' }, null)).toEqual(['a=b=c']);
    expect(searchTerms({ '~inv': 'x' }, 'inv=x')).toEqual(['~inv=x']);
    const many = { items: Array.from({ length: 100 }, (_, i) => ({ sku: `sku-${i}` })) };
    expect(searchTerms(many, 'inv 1')).toHaveLength(64);
    expect(searchTerms(many, 'inv 1').slice(0, 4)).toEqual(['~inv 1', '~inv', '~1', 'items.sku=sku-0']);
  });
});

describe("a logged call's body", () => {
  const logged = (payload: unknown) =>
    loggedRequest(
      { scope: 's', procedure: 'p', decision: 'first_call', payload },
      defaultRedactor,
      16 * 1024,
    );

  it('is the text the fingerprint made, when the payload was canonical as sent', () => {
    const sorted = { a: 1, b: [1, 2] };
    const text = fingerprint({ value: sorted }).canonical;
    expect(jsonTextOf(sorted)).toBe(text);
    // Changed after its fingerprint (a procedure may change its input): the log keeps the request as received.
    sorted.b.push(3);
    expect(logged(sorted).request?.body).toBe('{"a":1,"b":[1,2]}');
  });

  it('is the payload as JSON, in its own key order, otherwise', () => {
    const unsorted = { b: 1, a: { d: 2, c: 3 } };
    canonicalJson(unsorted);
    expect(jsonTextOf(unsorted)).toBeUndefined();
    expect(logged(unsorted).request?.body).toBe('{"b":1,"a":{"d":2,"c":3}}');
    expect(logged({ card: '4242 4242 4242 4242', a: 1 }).request).toMatchObject({
      body: '{"card":"[REDACTED]","a":1}',
      redacted: true,
    });
  });
});
