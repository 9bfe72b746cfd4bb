import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkKey, type KeyRules } from './key.ts';

const rules: KeyRules = { required: false, maxLength: 255, pattern: null };

describe('checkKey', () => {
  it('K5: empty, 256 characters, control and non-ASCII characters are refused with stable codes', () => {
    expect(checkKey('', rules)).toMatchObject({ ok: false, code: 'KEY_EMPTY' });
    expect(checkKey('a'.repeat(255), rules)).toEqual({ ok: true, key: 'a'.repeat(255) });
    expect(checkKey('a'.repeat(256), rules)).toMatchObject({ ok: false, code: 'KEY_TOO_LONG' });
    expect(checkKey('abc\n', rules)).toMatchObject({ ok: false, code: 'KEY_INVALID_CHARS' });
    expect(checkKey('abc\u0000', rules)).toMatchObject({ ok: false, code: 'KEY_INVALID_CHARS' });
    expect(checkKey('clé', rules)).toMatchObject({ ok: false, code: 'KEY_INVALID_CHARS' });
    expect(checkKey(42, rules)).toMatchObject({ ok: false, code: 'KEY_INVALID_CHARS' });
  });

  it('K6: a missing key runs unprotected when optional and is refused when required', () => {
    expect(checkKey(undefined, rules)).toEqual({ ok: true, key: null });
    expect(checkKey(null, { ...rules, required: true })).toMatchObject({ ok: false, code: 'KEY_MISSING' });
  });

  it('K5: a per-procedure pattern (seed 001 source:event:target-type:target-id:action)', () => {
    const seed001 = { ...rules, required: true, pattern: /^[^:]+:[^:]+:[^:]+:[^:]+:[^:]+(:.+)?$/ };
    expect(checkKey('gmail:thread-18f0:customer:customer-id:create-note', seed001).ok).toBe(true);
    expect(
      checkKey('gmail:thread-18f0:customer:customer-id:create-contact:jane@example.com', seed001).ok,
    ).toBe(true);
    expect(checkKey('7f1c0b9e-2a4d-4c8e-9b1a-3e5f6a7b8c9d', seed001)).toMatchObject({
      ok: false,
      code: 'KEY_PATTERN_MISMATCH',
    });
    // A global regexp must not carry state from one check to the next.
    const sticky = { ...rules, pattern: /^a+$/g };
    expect(checkKey('aaa', sticky).ok).toBe(true);
    expect(checkKey('aaa', sticky).ok).toBe(true);
  });

  it('K5: never throws, whatever the key, and accepts exactly printable ASCII up to the limit', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.anything()),
        (key) => {
          const result = checkKey(key, rules);
          const valid =
            typeof key === 'string' && key.length >= 1 && key.length <= 255 && /^[\x20-\x7e]+$/.test(key);
          if (key === undefined || key === null) expect(result).toEqual({ ok: true, key: null });
          else expect(result.ok).toBe(valid);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
