import { IdemError } from '@idem/core';
import { describe, expect, it } from 'vitest';
import { type IdempotentOptions, resolvePolicy } from './policy.ts';

const refusal = (options: unknown): { option: unknown; message: string } | null => {
  try {
    resolvePolicy(options as IdempotentOptions);
    return null;
  } catch (error) {
    if (!(error instanceof IdemError) || error.code !== 'INVALID_POLICY') throw error;
    return { option: error.details.option, message: error.message };
  }
};

describe('resolvePolicy', () => {
  it('takes every documented option', () => {
    expect(
      refusal({
        preset: 'novu',
        name: 'orders',
        key: { required: true },
        ttlMs: 60_000,
        leaseMs: 5_000,
        fingerprint: { mode: 'canonical' },
        onMismatch: 'conflict',
        conflict: { status: 409 },
        inFlight: { mode: 'reject' },
        store: { serverErrors: false },
        replay: { header: 'Idempotent-Replayed' },
        invalidKeyStatus: 400,
        maxPayloadBytes: 1024,
        unique: [{ fields: ['order.id'] }],
      }),
    ).toBeNull();
  });

  it('refuses an option it does not know instead of ignoring it', () => {
    expect(refusal({ ttl: 60_000 })).toMatchObject({
      option: 'ttl',
      message: expect.stringMatching(/ttlMs/),
    });
  });

  it("names createIdempotency() for the factory's options passed to a procedure", () => {
    // The bench once turned the request log "off" this way and measured nothing: the option was ignored.
    expect(refusal({ requestLog: false })).toEqual({
      option: 'requestLog',
      message:
        'invalid idempotency policy: requestLog is an option of createIdempotency(), not of idempotent()',
    });
  });
});
