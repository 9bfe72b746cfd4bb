// idem wired into this API: the engine and database come from the context, callers are the scopes, superjson
// stores values with their types, and Prisma transactions hold the writes of transactional procedures.
import { createIdempotency } from '@idem/trpc';
import superjson from 'superjson';
import type { DomainTx } from './db.ts';
import type { Context } from './trpc.ts';

export const idem = createIdempotency<Context, DomainTx>({
  engine: (ctx) => ctx.engine,
  scope: (ctx) => ctx.caller?.id,
  transformer: superjson,
  // Interactive transactions hold a connection (on SQLite, the only one) while the procedure runs.
  transaction: (fn, ctx) => ctx.db.$transaction(fn, { maxWait: 30_000, timeout: 60_000 }),
});
