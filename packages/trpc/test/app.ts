// A small tRPC app for the middleware's tests: a real HTTP server (tRPC's standalone adapter), a real
// database-backed store, callers authenticated by header, and side effects counted in a real table.
import type { AddressInfo } from 'node:net';
import { createEngine, type Engine, type IdempotencyStore } from '@idem/core';
import { createSqlStore } from '@idem/core/prisma';
import type { Database } from '@idem/db';
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import superjson from 'superjson';
import { z } from 'zod';
import {
  createIdempotency,
  type HttpExchange,
  idempotencyErrorData,
  nodeExchange,
} from '../src/server/index.ts';

export interface Ctx {
  caller: { id: string } | null;
  http: HttpExchange;
}

type Tx = Parameters<Parameters<Database['prisma']['$transaction']>[0]>[0];

export async function startApp(db: Database, options: { store?: IdempotencyStore } = {}) {
  const prisma = db.prisma as unknown as {
    $executeRawUnsafe(q: string, ...v: unknown[]): Promise<number>;
    $queryRawUnsafe<T>(q: string, ...v: unknown[]): Promise<T>;
    $transaction<R>(fn: (tx: Tx) => Promise<R>, o?: { timeout?: number }): Promise<R>;
  };
  await prisma.$executeRawUnsafe(
    'CREATE TABLE IF NOT EXISTS effects (id TEXT PRIMARY KEY, label TEXT NOT NULL)',
  );
  const store = options.store ?? createSqlStore({ client: db.prisma, dialect: db.provider });
  const engine: Engine = createEngine({ store });
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
  const idem = createIdempotency<Ctx, Tx>({
    engine,
    scope: (ctx) => ctx.caller?.id,
    transformer: superjson,
    transaction: (fn) => prisma.$transaction(fn, { timeout: 30_000 }),
  });
  const insertEffect =
    db.provider === 'sqlite'
      ? 'INSERT INTO effects (id, label) VALUES (?, ?)'
      : 'INSERT INTO effects (id, label) VALUES ($1, $2)';
  const calls = new Map<string, number>();
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  let release: (() => void) | null = null;
  const effect = async (
    on: { $executeRawUnsafe(q: string, ...v: unknown[]): Promise<number> },
    label: string,
  ) => {
    await on.$executeRawUnsafe(insertEffect, crypto.randomUUID(), label);
  };

  const router = t.router({
    create: t.procedure
      .input(z.object({ amount: z.number().int().positive(), at: z.date().optional() }))
      .use(idem.idempotent({ preset: 'novu' }))
      .mutation(async ({ input, ctx }) => {
        count('create');
        await effect(prisma, `create:${input.amount}`);
        ctx.http.status = 201;
        return {
          id: `o-${calls.get('create')}`,
          amount: input.amount,
          at: input.at ?? new Date(0),
          key: ctx.idempotency.key,
        };
      }),
    note: t.procedure
      .input(z.object({ title: z.string() }))
      .use(idem.idempotent({ preset: 'shelfcycle' }))
      .mutation(async ({ input }) => {
        count('note');
        return { id: `note-${calls.get('note')}`, type: 'note', title: input.title };
      }),
    fail: t.procedure
      .input(z.object({ status: z.number() }))
      .use(idem.idempotent({ preset: 'salesbricks' }))
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
      .input(z.object({ n: z.number() }))
      .use(idem.idempotent({ preset: 'novu' }))
      .mutation(async () => {
        count('slow');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { done: true };
      }),
    waiting: t.procedure
      .input(z.object({ n: z.number() }))
      .use(idem.idempotent({ inFlight: { mode: 'wait' } }))
      .mutation(async () => {
        count('waiting');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { done: calls.get('waiting') };
      }),
    transfer: t.procedure
      .input(z.object({ label: z.string(), fail: z.boolean(), dropConnection: z.boolean().optional() }))
      .use(idem.idempotent({}))
      .use(idem.transaction())
      .mutation(async ({ input, ctx }) => {
        count('transfer');
        await effect(ctx.tx, input.label);
        // The database drops this transaction's connection, as a restart or a network cut would.
        if (input.dropConnection)
          await ctx.tx.$executeRawUnsafe('SELECT pg_terminate_backend(pg_backend_pid())');
        if (input.fail) throw new TRPCError({ code: 'BAD_REQUEST', message: 'failed after writing' });
        return { ok: true };
      }),
  });

  const server = createHTTPServer({
    router,
    createContext: ({ req, res, info }) => {
      const key = req.headers['x-api-key'];
      return {
        caller: typeof key === 'string' && key.startsWith('caller-') ? { id: key } : null,
        http: nodeExchange(req, res, { isBatch: info.isBatchCall }),
      };
    },
    responseMeta: ({ ctx, info }) =>
      ctx?.http.status && !info?.isBatchCall ? { status: ctx.http.status } : {},
  });
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
    effects: async () =>
      (await prisma.$queryRawUnsafe<{ label: string }[]>('SELECT label FROM effects ORDER BY label')).map(
        (r) => r.label,
      ),
    close: async () => {
      await engine.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type App = Awaited<ReturnType<typeof startApp>>;
export type AppRouter = App['router'];
