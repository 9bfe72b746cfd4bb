// A small tRPC app for the middleware's tests: a real HTTP server (tRPC's standalone adapter with idem's helper),
// a real database-backed store (PostgreSQL through a pg Pool, or SQLite through better-sqlite3, both prepared by
// idem's own migrations), callers authenticated by header, and side effects counted in a real table.
import type { AddressInfo } from 'node:net';
import { createEngine, type IdempotencyStore, type TransactionalStore } from '@idem/core';
import { pgStore } from '@idem/core/pg';
import { sqliteStore } from '@idem/core/sqlite';
import type { TestPostgres, TestSqlite } from '@idem/testing';
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import superjson from 'superjson';
import { z } from 'zod';
import { withIdempotency } from '../src/adapters/standalone.ts';
import { createIdempotency, idempotencyErrorData } from '../src/server/index.ts';

export interface Ctx {
  caller: { id: string } | null;
}

/** A test database and how the app writes its side effects to it, inside or outside a transaction. */
export interface Backend {
  readonly provider: 'sqlite' | 'postgresql';
  readonly store: TransactionalStore<unknown>;
  write(on: unknown | null, label: string): Promise<void>;
  /** PostgreSQL: the database ends the connection of `on`, as a restart or a network cut would. */
  dropConnection(on: unknown): Promise<void>;
  effects(): Promise<string[]>;
}

const EFFECTS = 'CREATE TABLE IF NOT EXISTS effects (id TEXT PRIMARY KEY, label TEXT NOT NULL)';

export async function postgresBackend(database: TestPostgres): Promise<Backend> {
  await database.pool.query(EFFECTS);
  const store = pgStore({ pool: database.pool }) as TransactionalStore<unknown>;
  const insert = (on: pg.Pool | pg.PoolClient, label: string) =>
    on.query('INSERT INTO effects (id, label) VALUES ($1, $2)', [crypto.randomUUID(), label]);
  return {
    provider: 'postgresql',
    store,
    write: async (on, label) => void (await insert((on ?? database.pool) as pg.PoolClient, label)),
    dropConnection: async (on) =>
      void (await (on as pg.PoolClient).query('SELECT pg_terminate_backend(pg_backend_pid())')),
    effects: async () =>
      (await database.pool.query<{ label: string }>('SELECT label FROM effects ORDER BY label')).rows.map(
        (r) => r.label,
      ),
  };
}

export async function sqliteBackend(database: TestSqlite): Promise<Backend> {
  database.database.exec(EFFECTS);
  const store = sqliteStore({ database: database.database }) as TransactionalStore<unknown>;
  return {
    provider: 'sqlite',
    store,
    write: async (on, label) => {
      ((on ?? database.database) as Database.Database)
        .prepare('INSERT INTO effects (id, label) VALUES (?, ?)')
        .run(crypto.randomUUID(), label);
    },
    dropConnection: async () => {},
    effects: async () =>
      (
        database.database.prepare('SELECT label FROM effects ORDER BY label').all() as { label: string }[]
      ).map((r) => r.label),
  };
}

export async function startApp(backend: Backend, options: { store?: IdempotencyStore } = {}) {
  const engine = createEngine({ store: options.store ?? backend.store });
  const t = initTRPC.context<Ctx>().create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const idem = idempotencyErrorData(error);
      const cause = error.cause as { code?: string } | undefined;
      return {
        ...shape,
        data: { ...shape.data, ...(idem ?? {}), ...(cause?.code && !idem ? { appCode: cause.code } : {}) },
      };
    },
  });
  const idem = createIdempotency(t, {
    engine: engine as ReturnType<typeof createEngine<TransactionalStore<unknown>>>,
    scope: (ctx) => ctx.caller?.id,
    transformer: superjson,
  });
  const calls = new Map<string, number>();
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  let release: (() => void) | null = null;

  const router = t.router({
    create: t.procedure
      .use(idem.idempotent({ preset: 'novu' }))
      .input(z.object({ amount: z.number().int().positive(), at: z.date().optional() }))
      .mutation(async ({ input, ctx }) => {
        count('create');
        await backend.write(null, `create:${input.amount}`);
        ctx.idempotency.setStatus(201);
        ctx.idempotency.setHeader('Location', `/orders/o-${calls.get('create')}`);
        return {
          id: `o-${calls.get('create')}`,
          amount: input.amount,
          at: input.at ?? new Date(0),
          key: ctx.idempotency.key,
        };
      }),
    note: t.procedure
      .use(idem.idempotent({ preset: 'shelfcycle' }))
      .input(z.object({ title: z.string() }))
      .mutation(async ({ input }) => {
        count('note');
        return { id: `note-${calls.get('note')}`, type: 'note', title: input.title };
      }),
    // Seed 003: a request refused by validation is an outcome like any other, kept under its key.
    usage: t.procedure
      .use(idem.idempotent({ preset: 'salesbricks' }))
      .input(z.object({ order_id: z.string().min(1), quantity: z.number().nonnegative() }))
      .mutation(({ input }) => {
        count('usage');
        return { order_id: input.order_id, quantity: input.quantity };
      }),
    fail: t.procedure
      .use(idem.idempotent({ preset: 'salesbricks' }))
      .input(z.object({ status: z.number() }))
      .mutation(({ input }) => {
        count('fail');
        throw new TRPCError({
          code: input.status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'NOT_FOUND',
          message: `failed with ${input.status} (call ${calls.get('fail')})`,
          cause: Object.assign(new Error('domain'), {
            code: 'ORDER_NOT_FOUND',
            status: input.status,
            details: { n: calls.get('fail') },
          }),
        });
      }),
    slow: t.procedure
      .use(idem.idempotent({ preset: 'novu' }))
      .input(z.object({ n: z.number() }))
      .mutation(async () => {
        count('slow');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { done: true };
      }),
    waiting: t.procedure
      .use(idem.idempotent({ inFlight: { mode: 'wait' } }))
      .input(z.object({ n: z.number() }))
      .mutation(async () => {
        count('waiting');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { done: calls.get('waiting') };
      }),
    transfer: t.procedure
      .use(idem.idempotent({}))
      .input(z.object({ label: z.string(), fail: z.boolean(), dropConnection: z.boolean().optional() }))
      .use(idem.transaction())
      .mutation(async ({ input, ctx }) => {
        count('transfer');
        await backend.write(ctx.tx, input.label);
        if (input.dropConnection) await backend.dropConnection(ctx.tx);
        if (input.fail) throw new TRPCError({ code: 'BAD_REQUEST', message: 'failed after writing' });
        return { ok: true };
      }),
  });

  const server = createHTTPServer(
    withIdempotency({
      router,
      createContext: ({ req }) => {
        const key = req.headers['x-api-key'];
        return { caller: typeof key === 'string' && key.startsWith('caller-') ? { id: key } : null };
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    router,
    engine,
    calls,
    release: () => release?.(),
    started: () => release !== null,
    resetRelease: () => {
      release = null;
    },
    effects: () => backend.effects(),
    close: async () => {
      await engine.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type App = Awaited<ReturnType<typeof startApp>>;
export type AppRouter = App['router'];
