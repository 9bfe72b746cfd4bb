import { createEngine, IdemError } from '@idem/core';
import { createMemoryStore } from '@idem/core/memory';
import { initTRPC } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { createIdempotency } from './middleware.ts';
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

describe('createIdempotency', () => {
  const t = initTRPC.create();
  const engine = createEngine({ store: createMemoryStore() });
  const refusal = (options: object) => {
    try {
      createIdempotency(t, { engine, scope: () => 'caller', ...options });
      return null;
    } catch (error) {
      if (!(error instanceof IdemError) || error.code !== 'INVALID_POLICY') throw error;
      return { option: error.details.option, message: error.message };
    }
  };

  it('takes its own options and refuses others, naming where a policy option belongs', () => {
    expect(refusal({ requestLog: false, transformer: undefined })).toBeNull();
    expect(refusal({ requestlog: false })).toMatchObject({
      option: 'requestlog',
      message: expect.stringMatching(/requestLog/),
    });
    expect(refusal({ preset: 'novu' })).toEqual({
      option: 'preset',
      message: 'invalid idempotency policy: preset is an option of idempotent(), not of createIdempotency()',
    });
  });
});
