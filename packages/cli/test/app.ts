// A host app for the CLI's tests, built the way a user builds theirs: a tRPC router on a real HTTP server (the
// standalone adapter with idem's helper), a real database-backed store (SQLite file or PostgreSQL, migrated by
// idem's own migrations), idempotent procedures whose keys the tests create through idem's client link, and the
// admin router from @idem/admin mounted behind tokenAccess.
import type { AddressInfo } from 'node:net';
import { createAdminRouter, tokenAccess } from '@idem/admin';
import { createEngine, type IdempotencyStore } from '@idem/core';
import { migrate as migratePostgres, pgStore } from '@idem/core/pg';
import { migrate as migrateSqlite, sqliteStore } from '@idem/core/sqlite';
import { type TestPostgres, type TestSqlite, createTestPostgres, createTestSqlite } from '@idem/testing';
import { createIdempotency, idempotencyErrorData } from '@idem/trpc';
import { withIdempotency } from '@idem/trpc/adapters/standalone';
import { idempotencyHeaders, idempotencyLink } from '@idem/trpc/client';
import { createTRPCClient, httpLink } from '@trpc/client';
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import superjson from 'superjson';
import { z } from 'zod';

export const ADMIN_TOKEN = 'cli-test-admin-token-0123456789';

/** A database for the app, and how to make keys of a procedure expired without waiting for them to be. */
export interface Backend {
  readonly name: 'sqlite' | 'postgresql';
  readonly store: IdempotencyStore;
  expire(procedure: string): Promise<number>;
  drop(): Promise<void>;
}

export async function sqliteBackend(): Promise<Backend> {
  const db: TestSqlite = await createTestSqlite({ migrate: migrateSqlite });
  return {
    name: 'sqlite',
    store: sqliteStore({ database: db.database }),
    expire: async (procedure) =>
      db.database
        .prepare('UPDATE idem_keys SET expires_at = created_at - 3600000 WHERE "procedure" = ?')
        .run(procedure).changes,
    drop: () => db.drop(),
  };
}

export async function postgresBackend(): Promise<Backend> {
  const db: TestPostgres = await createTestPostgres({ migrate: (pool) => migratePostgres(pool) });
  return {
    name: 'postgresql',
    store: pgStore({ pool: db.pool, listen: false }),
    expire: async (procedure) =>
      (
        await db.pool.query(
          `UPDATE idem_keys SET expires_at = created_at - interval '1 hour' WHERE "procedure" = $1`,
          [procedure],
        )
      ).rowCount ?? 0,
    drop: () => db.drop(),
  };
}

/** A gate a procedure waits at: `entered` resolves once it is inside, `open()` lets it finish. */
function gate() {
  let enter!: () => void;
  let open!: () => void;
  const entered = new Promise<void>((resolve) => {
    enter = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { entered, opened, enter, open };
}

const identity = { serialize: (v: unknown) => v, deserialize: (v: unknown) => v };

interface Ctx {
  caller: string | null;
}

export async function startApp(
  backend: Backend,
  options: { transformer?: 'superjson' | 'none'; path?: string } = {},
) {
  const engine = createEngine({ store: backend.store });
  // No transformer is plain JSON both ways, which the identity transformer also is (and keeps the types simple).
  const transformer = options.transformer === 'none' ? identity : superjson;
  const t = initTRPC.context<Ctx>().create({
    transformer,
    errorFormatter: ({ shape, error }) => ({
      ...shape,
      data: { ...shape.data, ...idempotencyErrorData(error) },
    }),
  });
  const idem = createIdempotency(t, {
    engine,
    scope: (ctx) => ctx.caller,
    transformer,
  });
  const calls = new Map<string, number>();
  const count = (name: string) => {
    const n = (calls.get(name) ?? 0) + 1;
    calls.set(name, n);
    return n;
  };
  let held = gate();

  const orders = t.router({
    create: t.procedure
      .use(idem.idempotent({ preset: 'ietf' }))
      .input(z.object({ amount: z.number(), card: z.string().optional() }))
      .mutation(({ input }) => ({ id: `o-${count('create')}`, amount: input.amount })),
    charge: t.procedure
      .use(idem.idempotent({ preset: 'ietf' }))
      .input(z.object({ amount: z.number() }))
      .mutation(() => {
        throw new TRPCError({
          code: 'INTERNAL_SERVER_ERROR',
          message: `card declined (call ${count('charge')})`,
        });
      }),
    hold: t.procedure
      .use(idem.idempotent({ preset: 'ietf' }))
      .input(z.object({ n: z.number() }))
      .mutation(async () => {
        count('hold');
        held.enter();
        await held.opened;
        return { done: true };
      }),
    temp: t.procedure
      .use(idem.idempotent({ preset: 'ietf' }))
      .input(z.object({ n: z.number() }))
      .mutation(({ input }) => ({ n: input.n })),
  });

  const router = t.router({
    orders,
    [options.path ?? 'idemAdmin']: createAdminRouter(t, {
      engine,
      access: tokenAccess({ token: ADMIN_TOKEN }),
      fingerprintSecret: ADMIN_TOKEN,
      storedValues: transformer,
    }),
  });

  const server = createHTTPServer(
    withIdempotency({
      router,
      basePath: '/trpc/',
      createContext: ({ req }) => {
        const caller = req.headers['x-caller'];
        return { caller: typeof caller === 'string' ? caller : null };
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;

  /** A client calling the app as `caller`, with the key of each call given in its context. */
  const clientFor = (caller: string) =>
    createTRPCClient<typeof router>({
      links: [
        idempotencyLink({ retry: false }),
        httpLink({
          url,
          transformer,
          headers: idempotencyHeaders({ 'x-caller': caller }),
        }),
      ],
    });

  return {
    url,
    engine,
    calls,
    clientFor,
    /** The held call's gate: await `entered`, then `open()`. A new one for each held call. */
    held: () => held,
    resetHold: () => {
      held = gate();
    },
    close: async () => {
      held.open();
      await engine.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type App = Awaited<ReturnType<typeof startApp>>;
