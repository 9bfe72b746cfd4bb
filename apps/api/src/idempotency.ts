// idem wired into this API: the engine comes from the context, callers are the scopes, superjson stores values
// with their types, and idem.transaction() runs in the store's own transactions: Prisma interactive transactions
// on the domain's client, so a procedure's writes and its stored outcome commit together.
import { createIdempotency } from '@idem/trpc';
import superjson from 'superjson';
import { t } from './trpc.ts';

export const idem = createIdempotency(t, {
  engine: (ctx) => ctx.engine,
  scope: (ctx) => ctx.caller?.id,
  transformer: superjson,
});
