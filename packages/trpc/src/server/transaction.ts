// idem.transaction(): the procedure's writes and its stored outcome commit together or not at all (K11). The
// transaction is the store's own (a pg client in BEGIN … COMMIT, a better-sqlite3 immediate transaction, a Prisma
// interactive transaction), so the outcome is written through the very connection the business writes use.
import { type Engine, IdemError, type IdempotencyStore, type TxOf } from '@idem/core';
import { isTransactional } from '@idem/core/store';
import type { TRPCMiddlewareBuilder, TRPCError } from '@trpc/server';
import type { RootLike } from './root.ts';
import { STORE_UNAVAILABLE } from '../protocol.ts';
import { callStateOf } from './call-state.ts';
import { refuse } from './refusal.ts';

/** Rolls a transaction back while carrying the procedure's error result out of it. */
class Rollback extends Error {
  constructor(readonly error: TRPCError) {
    super('rolled back');
  }
}

export function createTransaction<TCtx extends object, TMeta extends object, S extends IdempotencyStore>(
  t: RootLike<TCtx, TMeta>,
  options: {
    engineOf: (ctx: TCtx) => Engine<S>;
    open?: <R>(fn: (tx: TxOf<S>) => Promise<R>, ctx: TCtx) => Promise<R>;
    isTransient?: (error: unknown) => boolean;
  },
): TRPCMiddlewareBuilder<TCtx, TMeta, { tx: TxOf<S> }, unknown> {
  return t.middleware(async function idempotentTransaction({ ctx, next }) {
    const context = ctx as unknown as TCtx;
    const { store } = options.engineOf(context);
    if (!options.open && !isTransactional(store)) {
      throw new IdemError(
        'INVALID_POLICY',
        `idem.transaction() needs a store that can commit with your writes (pgStore, sqliteStore, prismaStore); the ${store.kind} store cannot`,
        { option: 'transaction' },
      );
    }
    const open =
      options.open ??
      (<R>(fn: (tx: TxOf<S>) => Promise<R>) =>
        (store as unknown as { transaction<T>(f: (tx: TxOf<S>) => Promise<T>): Promise<T> }).transaction(fn));
    const isTransient =
      options.isTransient ?? ((error: unknown) => isTransactional(store) && store.isTransientError(error));
    // Innermost first: each layer answers the value the layer inside it produced.
    const pending = [...(callStateOf(ctx)?.pending ?? [])].reverse();
    let failure: TRPCError | null = null;
    try {
      return await open(async (tx) => {
        const result = await next({ ctx: { tx } });
        if (!result.ok) {
          failure = result.error;
          throw new Rollback(result.error);
        }
        let data = result.data;
        for (const settlement of pending) data = await settlement.succeed(data, tx);
        return { ...result, data };
      }, context);
    } catch (error) {
      if (error instanceof Rollback && failure !== null && !isTransient(failure)) {
        // The writes are gone; the error itself is an outcome like any other (K8).
        for (const settlement of pending) await settlement.fail(failure);
        throw failure;
      }
      for (const settlement of pending) await settlement.abandon();
      if (error instanceof IdemError && error.code === 'LEASE_LOST') {
        throw refuse(
          409,
          'LEASE_LOST',
          'This request lost its claim on the key to a retry; its writes were rolled back.',
        );
      }
      // The store could not be reached, the transaction could not begin or commit, or the procedure lost its
      // database mid-way: nothing was committed, the key is released, retry later.
      throw refuse(
        503,
        STORE_UNAVAILABLE,
        error instanceof IdemError && error.code === 'STORE_UNAVAILABLE'
          ? 'The idempotency store is unavailable; the request was rolled back. Retry later.'
          : 'The database is unavailable; the request was rolled back. Retry later.',
        { retryAfterMs: 1000, cause: error instanceof Rollback ? failure : error },
      );
    }
  });
}
