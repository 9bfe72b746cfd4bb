// The benchmark's tRPC router: one procedure per layer and mutation, all with the same input parser, the same
// work and the same HTTP adapter. Only the idempotency layer in front of the work differs between arms.
import { type Engine, newId, type PolicyOptions } from '@idem/core';
import { createIdempotency, type HttpExchange } from '@idem/trpc';
import { initTRPC, type AnyRouter } from '@trpc/server';
import type { Peer } from './peers.ts';

/** Prisma's raw-SQL surface, for the inserts (a client or an interactive transaction). */
export interface RawSql {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}
export interface RawSqlRoot extends RawSql {
  $transaction<R>(
    fn: (tx: RawSql) => Promise<R>,
    options?: { maxWait?: number; timeout?: number },
  ): Promise<R>;
}

export interface BenchContext {
  http: HttpExchange;
  /** The request asked to be held inside the procedure until released (the in-flight arms' holder). */
  hold: boolean;
}

export interface RouterDeps {
  /** `redisLean`: the Redis store with events off and byte-exact fingerprints (what a lean setup costs). */
  engines: { memory: Engine; sqlite: Engine; pg: Engine; redis: Engine; redisLean: Engine };
  pg: RawSqlRoot;
  sqlite: RawSqlRoot;
  peers: { nodeIdempotency: Peer; powertools: Peer };
  /** Resolves when the holders are released. */
  held(): Promise<void>;
  /** Counts executions per key (duplicate storms). */
  executed(key: string | undefined): void;
}

export interface BenchInput {
  order: Record<string, unknown>;
}

const t = initTRPC.context<BenchContext>().create({ isDev: false });

const INSERT = {
  pg: 'INSERT INTO bench_rows (id, payload) VALUES ($1, $2)',
  sqlite: 'INSERT INTO bench_rows (id, payload) VALUES (?, ?)',
} as const;

export function benchRouter(deps: RouterDeps): AnyRouter {
  let counter = 0;
  const parse = (value: unknown): BenchInput => value as BenchInput;
  const base = t.procedure.input(parse);

  async function counterWork(ctx: BenchContext) {
    deps.executed(ctx.http.header('idempotency-key'));
    if (ctx.hold) await deps.held();
    return { n: ++counter };
  }
  async function insertWork(ctx: BenchContext, input: BenchInput, on: RawSql, db: 'pg' | 'sqlite') {
    deps.executed(ctx.http.header('idempotency-key'));
    if (ctx.hold) await deps.held();
    const id = newId();
    await on.$executeRawUnsafe(INSERT[db], id, JSON.stringify(input));
    return { id };
  }

  const idem = (engine: Engine, db: RawSqlRoot) =>
    createIdempotency<BenchContext, RawSql>({
      engine,
      scope: () => 'bench',
      transaction: (fn) => db.$transaction(fn, { maxWait: 30_000, timeout: 60_000 }),
    });
  const guarded = (engine: Engine, db: RawSqlRoot, target: 'pg' | 'sqlite', policy: PolicyOptions = {}) => {
    const layer = idem(engine, db);
    const p = base.use(layer.idempotent(policy));
    return t.router({
      counter: p.mutation(({ ctx }) => counterWork(ctx)),
      insert: p.mutation(({ ctx, input }) => insertWork(ctx, input, deps[target], target)),
    });
  };
  const pgtx = idem(deps.engines.pg, deps.pg);
  const peer = (run: Peer['run']) =>
    t.router({
      counter: base.mutation(({ ctx, input }) =>
        run(ctx.http.header('idempotency-key'), input, () => counterWork(ctx)),
      ),
      insert: base.mutation(({ ctx, input }) =>
        run(ctx.http.header('idempotency-key'), input, () => insertWork(ctx, input, deps.pg, 'pg')),
      ),
    });

  return t.router({
    none: t.router({
      counter: base.mutation(({ ctx }) => counterWork(ctx)),
      insertPg: base.mutation(({ ctx, input }) => insertWork(ctx, input, deps.pg, 'pg')),
      insertSqlite: base.mutation(({ ctx, input }) => insertWork(ctx, input, deps.sqlite, 'sqlite')),
    }),
    memory: guarded(deps.engines.memory, deps.pg, 'pg'),
    sqlite: guarded(deps.engines.sqlite, deps.sqlite, 'sqlite'),
    pg: guarded(deps.engines.pg, deps.pg, 'pg'),
    // The outcome commits in the same transaction as the row (K11): idem.transaction().
    pgtx: t.router({
      counter: base
        .use(pgtx.idempotent())
        .use(pgtx.transaction())
        .mutation(({ ctx }) => counterWork(ctx)),
      insert: base
        .use(pgtx.idempotent())
        .use(pgtx.transaction())
        .mutation(({ ctx, input }) => insertWork(ctx, input, ctx.tx, 'pg')),
    }),
    redis: guarded(deps.engines.redis, deps.pg, 'pg'),
    redisLean: guarded(deps.engines.redisLean, deps.pg, 'pg', { fingerprint: { mode: 'bytes' } }),
    nodeIdempotency: peer(deps.peers.nodeIdempotency.run),
    powertools: peer(deps.peers.powertools.run),
  });
}
