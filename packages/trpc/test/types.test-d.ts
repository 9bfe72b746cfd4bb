// The public generics as a user's editor sees them. Vitest's typecheck mode runs these through tsc (nothing here
// executes; the pool and the database exist only as types): a change that loses a type fails its test.
import { createEngine } from '@idem/core';
import { createMemoryStore } from '@idem/core/memory';
import { pgStore } from '@idem/core/pg';
import { sqliteStore } from '@idem/core/sqlite';
import { initTRPC } from '@trpc/server';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createIdempotency, type IdempotencyContext } from '../src/server/index.ts';

interface Ctx {
  user: { id: string } | null;
}
const t = initTRPC.context<Ctx>().create();
declare const pool: pg.Pool;
declare const database: Database.Database;

describe('the public generics', () => {
  it('ctx.idempotency is typed inside an idempotent procedure, and the caller context is kept', () => {
    const idem = createIdempotency(t, {
      engine: createEngine({ store: createMemoryStore() }),
      scope: (ctx) => ctx.user?.id,
    });
    t.procedure
      .use(idem.idempotent({ preset: 'novu' }))
      .input(z.object({ amount: z.number() }))
      .mutation(({ ctx, input }) => {
        expectTypeOf(ctx.idempotency).toEqualTypeOf<IdempotencyContext>();
        expectTypeOf(ctx.idempotency.key).toEqualTypeOf<string | null>();
        expectTypeOf(ctx.user).toEqualTypeOf<{ id: string } | null>();
        expectTypeOf(input.amount).toBeNumber();
      });
  });

  it('idem.transaction() hands the procedure the transaction of the store it was given', () => {
    const onPg = createIdempotency(t, {
      engine: createEngine({ store: pgStore({ pool }) }),
      scope: () => 'a',
    });
    t.procedure
      .use(onPg.idempotent())
      .use(onPg.transaction())
      .mutation(({ ctx }) => {
        expectTypeOf(ctx.tx).toEqualTypeOf<pg.PoolClient>();
      });
    const onSqlite = createIdempotency(t, {
      engine: createEngine({ store: sqliteStore({ database }) }),
      scope: () => 'a',
    });
    t.procedure.use(onSqlite.transaction()).mutation(({ ctx }) => {
      expectTypeOf(ctx.tx).toEqualTypeOf<Database.Database>();
    });
  });

  it('options are checked: an unknown preset and a key function over the wrong input do not compile', () => {
    const idem = createIdempotency(t, {
      engine: createEngine({ store: createMemoryStore() }),
      scope: () => 'a',
    });
    // @ts-expect-error: not a preset
    idem.idempotent({ preset: 'nope' });
    idem.idempotent<{ orderId: string }>({ keyFrom: (input) => input.orderId });
    // @ts-expect-error: keyFrom answers a string (or undefined), not a number
    idem.idempotent<{ orderId: number }>({ keyFrom: (input) => input.orderId });
  });
});
