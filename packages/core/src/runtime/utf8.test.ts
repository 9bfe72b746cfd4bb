import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Length } from './utf8.ts';

const encoder = new TextEncoder();

describe('utf8Length', () => {
  it('counts what TextEncoder writes: any text, lone surrogates, and past its 64 KiB scratch buffer', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), fc.nat(200), (text, pad) => {
        // Short texts, texts just under and over the scratch buffer (a multi-byte character across its end).
        for (const prefix of ['', 'a'.repeat(pad), 'a'.repeat(64 * 1024 - 2 + (pad % 4))]) {
          const whole = prefix + text;
          expect(utf8Length(whole)).toBe(encoder.encode(whole).byteLength);
        }
      }),
      { numRuns: 500 },
    );
    expect(utf8Length(`${'é'.repeat(40_000)}🚀\ud800`)).toBe(80_000 + 4 + 3);
  });
});
