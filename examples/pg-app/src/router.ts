// The app's tRPC router: payments taken and refunded at most once however often clients retry, and idem's admin
// router for support tools, behind the app's own staff credentials.
import { createAdminRouter } from '@idem/admin';
import type { Engine } from '@idem/core';
import type { pgStore } from '@idem/core/pg';
import { createIdempotency, idempotencyErrorFormatter } from '@idem/trpc';
import { initTRPC, TRPCError } from '@trpc/server';
import type pg from 'pg';
import superjson from 'superjson';
import { z } from 'zod';
import type { Context } from './auth.js';
import type { Env } from './env.js';

interface Payment {
  id: string;
  customer: string;
  amountCents: number;
  currency: string;
  refundedCents: number;
  createdAt: Date;
}

const paymentOf = (row: Record<string, unknown>): Payment => ({
  id: String(row.id),
  customer: String(row.customer),
  amountCents: Number(row.amount_cents),
  currency: String(row.currency),
  refundedCents: Number(row.refunded_cents),
  createdAt: new Date(row.created_at as string),
});

/** idem's store on the app's pool: its transactions hand procedures a pg.PoolClient in BEGIN … COMMIT. */
export type Store = ReturnType<typeof pgStore<pg.Pool>>;

export function createAppRouter(options: { pool: pg.Pool; engine: Engine<Store>; env: Env }) {
  const { pool, engine, env } = options;
  const t = initTRPC
    .context<Context>()
    .create({ transformer: superjson, errorFormatter: idempotencyErrorFormatter });
  // Keys belong to the API caller; outcomes are stored with superjson so a replay has the first answer's types.
  const idem = createIdempotency(t, { engine, scope: (ctx) => ctx.caller, transformer: superjson });

  const authed = t.procedure.use(({ ctx, next }) => {
    if (ctx.caller === null)
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'send Authorization: Bearer <API key>' });
    return next({ ctx: { caller: ctx.caller } });
  });

  return t.router({
    payments: t.router({
      /**
       * Takes a payment. The client sends an Idempotency-Key (idem's client link mints one per payment): a retry
       * gets the first answer, flagged Idempotent-Replayed, and is never charged twice; the same key with another
       * payload is refused (422). The insert and the stored answer commit in one transaction.
       */
      create: authed
        .use(idem.idempotent({ preset: 'ietf', key: { required: true } }))
        .use(idem.transaction())
        .input(
          z.object({
            customer: z.string().min(1).max(100),
            amountCents: z.number().int().positive().max(100_000_000),
            currency: z.enum(['EUR', 'USD', 'GBP']),
          }),
        )
        .mutation(async ({ ctx, input }) => {
          const { rows } = await ctx.tx.query(
            'INSERT INTO payments (caller, customer, amount_cents, currency) VALUES ($1, $2, $3, $4) RETURNING *',
            [ctx.caller, input.customer, input.amountCents, input.currency],
          );
          ctx.idempotency.setStatus(201);
          return paymentOf(rows[0]!);
        }),

      /**
       * Refunds a payment, once: the payment's id is the key (a natural key, no header needed), so a refund sent
       * again, by any retrying client, answers the first refund.
       */
      refund: authed
        .use(idem.idempotent({ key: { fields: ['paymentId'], required: true } }))
        .use(idem.transaction())
        .input(z.object({ paymentId: z.string().regex(/^\d+$/), reason: z.string().max(500).optional() }))
        .mutation(async ({ ctx, input }) => {
          const { rows } = await ctx.tx.query(
            `UPDATE payments SET refunded_cents = amount_cents
              WHERE id = $1 AND caller = $2 AND refunded_cents = 0 RETURNING *`,
            [input.paymentId, ctx.caller],
          );
          if (rows[0] === undefined)
            throw new TRPCError({ code: 'NOT_FOUND', message: 'no such payment, or it was refunded' });
          return paymentOf(rows[0]);
        }),

      /** The caller's payments, newest first: what really happened, however many requests were sent. */
      list: authed.query(async ({ ctx }) => {
        const { rows } = await pool.query(
          'SELECT * FROM payments WHERE caller = $1 ORDER BY id DESC LIMIT 100',
          [ctx.caller],
        );
        return rows.map(paymentOf);
      }),
    }),

    /** idem's admin API, for idem's dashboard and CLI: only with a staff token (STAFF_TOKENS). */
    idemAdmin: createAdminRouter(t, {
      engine,
      access: (ctx) => ctx.staff,
      fingerprintSecret: env.fingerprintSecret,
      storedValues: superjson,
    }),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
