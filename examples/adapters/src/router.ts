// One router, served by every adapter in this folder. `createOrder` is idempotent under the IETF draft's rules:
// a replay answers the first outcome (flagged), another payload under a used key is refused, and a duplicate
// that arrives while the first still runs is refused with Retry-After.
import { createEngine } from '@idem/core';
import { createMemoryStore } from '@idem/core/memory';
import { createIdempotency, idempotencyErrorFormatter } from '@idem/trpc';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';

export interface Context {
  /** Who is calling: your authentication decides. Keys never cross callers. */
  userId: string | null;
}

const t = initTRPC
  .context<Context>()
  .create({ transformer: superjson, errorFormatter: idempotencyErrorFormatter });

// One engine per process; in production use pgStore, sqliteStore, prismaStore or createRedisStore instead.
export const engine = createEngine({ store: createMemoryStore() });
const idem = createIdempotency(t, { engine, scope: (ctx) => ctx.userId, transformer: superjson });

const authed = t.procedure.use(({ ctx, next }) => {
  if (ctx.userId === null) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'send x-user-id' });
  return next({ ctx: { userId: ctx.userId } });
});

let orders = 0;

export const appRouter = t.router({
  createOrder: authed
    .use(idem.idempotent({ preset: 'ietf' }))
    .input(
      z.object({
        sku: z.string().min(1),
        quantity: z.number().int().positive(),
        holdMs: z.number().int().max(5000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      // The work is held for a while when asked, so a duplicate can arrive while it runs.
      if (input.holdMs) await new Promise((resolve) => setTimeout(resolve, input.holdMs));
      orders++;
      ctx.idempotency.setStatus(201);
      return {
        id: `order-${orders}`,
        sku: input.sku,
        quantity: input.quantity,
        key: ctx.idempotency.key,
        at: new Date(),
      };
    }),
  /** How many orders were really created (a test's way to count side effects). */
  orderCount: t.procedure.query(() => orders),
});

export type AppRouter = typeof appRouter;

/** The caller, from a header; a real app checks a session or a token. */
export function userFrom(header: string | string[] | null | undefined): Context {
  return { userId: typeof header === 'string' && header !== '' ? header : null };
}
