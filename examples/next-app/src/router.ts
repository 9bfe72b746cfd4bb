// The app's tRPC router. `orders.create` is idempotent under the IETF draft's rules, on the app's own PostgreSQL:
// the order row and idem's stored outcome commit in one transaction (idem.transaction()), so a crash between
// them can neither lose the outcome nor let a retry create a second order.
import { createEngine } from '@idem/core';
import { migrate, pgStore } from '@idem/core/pg';
import { createIdempotency, idempotencyErrorFormatter } from '@idem/trpc';
import { initTRPC, TRPCError } from '@trpc/server';
import pg from 'pg';
import superjson from 'superjson';
import { z } from 'zod';

export interface Context {
  /** Who is calling: your authentication decides. Keys never cross callers. */
  userId: string | null;
}

const t = initTRPC
  .context<Context>()
  .create({ transformer: superjson, errorFormatter: idempotencyErrorFormatter });

// One pool and one engine per server process. Route handlers may load this module more than once in development,
// so they live on globalThis.
const shared = globalThis as unknown as { idemExample?: { pool: pg.Pool; ready: Promise<unknown> } };
shared.idemExample ??= (() => {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
  // idem's tables by idem's migrations (or `npx idem migrate` in your deploy), the app's table by the app.
  const ready = migrate(pool).then(() =>
    pool.query(
      'CREATE TABLE IF NOT EXISTS example_orders (id SERIAL PRIMARY KEY, sku TEXT NOT NULL, quantity INT NOT NULL)',
    ),
  );
  return { pool, ready };
})();
const { pool, ready } = shared.idemExample;

const engine = createEngine({ store: pgStore({ pool }) });
const idem = createIdempotency(t, { engine, scope: (ctx) => ctx.userId, transformer: superjson });

const authed = t.procedure.use(async ({ ctx, next }) => {
  if (ctx.userId === null) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'send x-user-id' });
  await ready;
  return next({ ctx: { userId: ctx.userId } });
});

export const appRouter = t.router({
  orders: t.router({
    create: authed
      .use(idem.idempotent({ preset: 'ietf' }))
      .input(z.object({ sku: z.string().min(1), quantity: z.number().int().positive() }))
      .use(idem.transaction())
      .mutation(async ({ ctx, input }) => {
        const { rows } = await ctx.tx.query<{ id: number }>(
          'INSERT INTO example_orders (sku, quantity) VALUES ($1, $2) RETURNING id',
          [input.sku, input.quantity],
        );
        ctx.idempotency.setStatus(201);
        return { id: rows[0]!.id, sku: input.sku, quantity: input.quantity, at: new Date() };
      }),
    /** How many orders really exist (what a retry must never change). */
    count: t.procedure.query(async () => {
      await ready;
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM example_orders');
      return Number(rows[0]!.n);
    }),
  }),
});

export type AppRouter = typeof appRouter;
