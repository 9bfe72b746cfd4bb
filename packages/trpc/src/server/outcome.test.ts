// Stored outcomes read back as what the procedure answered: for a stored validation failure (seed 003 keeps
// them, K8) that includes the validator's issues, which an edge turns into its answer (the demo's REST door:
// `validation_error` with the issues listed). Lost, the replay of the same 400 read differently.
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeOutcome, errorOutcome, identityTransformer } from './outcome.ts';
import { isInputValidationFailure } from './validation.ts';

describe('stored error outcomes', () => {
  it('K8 (seed 003): a stored validation failure replays with its validator issues, still a validation failure', () => {
    const parsed = z.object({ quantity: z.number().nonnegative() }).safeParse({ quantity: -3 });
    if (parsed.success) throw new Error('expected the input to be refused');
    const error = new TRPCError({ code: 'BAD_REQUEST', message: 'invalid input', cause: parsed.error });
    const stored = errorOutcome(error, 'req-1');
    expect(stored).toMatchObject({ ok: false, status: 400 });
    const replayed = decodeOutcome(JSON.parse(JSON.stringify(stored)), identityTransformer);
    if (!('error' in replayed)) throw new Error('expected the stored error back');
    const cause = replayed.error.cause as { issues?: unknown; requestId?: unknown } | undefined;
    expect(cause?.issues).toEqual(JSON.parse(JSON.stringify(parsed.error.issues)));
    expect(cause?.requestId).toBe('req-1');
    expect(isInputValidationFailure(replayed.error)).toBe(true);
  });

  it('issues that are not JSON stay behind; the code, message and status still replay', () => {
    const cyclic: Record<string, unknown> = { message: 'odd' };
    cyclic.self = cyclic;
    const cause = Object.assign(new Error('odd input'), { issues: [cyclic] });
    const stored = errorOutcome(new TRPCError({ code: 'BAD_REQUEST', message: 'odd input', cause }));
    const replayed = decodeOutcome(stored, identityTransformer);
    if (!('error' in replayed)) throw new Error('expected the stored error back');
    expect(replayed.error.code).toBe('BAD_REQUEST');
    expect(replayed.error.message).toBe('odd input');
    expect((replayed.error.cause as { issues?: unknown }).issues).toBeUndefined();
  });
});
