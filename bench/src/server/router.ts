// The benchmark's tRPC router: one procedure per layer and mutation, all with the same input parser, the same
// work and the same HTTP adapter. Only the idempotency layer in front of the work differs between arms.
import type { Engine, IdempotencyStore, TransactionalStore } from '@idem/core';
import { createIdempotency, exchangeOf, type IdempotentOptions } from '@idem/trpc';
import { initTRPC, type AnyRouter } from '@trpc/server';
// The bench is internal tooling: it takes idem's own UUIDv7 generator from core's sources (not exported).
import { newId } from '../../../packages/core/src/ids.ts';
import type { Peer } from './peers.ts';

/** Prisma's raw-SQL surface, for the inserts (a client or an interactive transaction). */
export interface RawSql {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface BenchContext {
  /** The request asked to be held inside the procedure until released (the in-flight arms' holder). */
  hold: boolean;
}

export interface RouterDeps {
  /** `redisLean`: the Redis store with events off and byte-exact fingerprints (what a lean setup costs). */
  engines: {
    memory: Engine;
    sqlite: Engine;
    /** Transactional: its transactions hand out what the inserts write through. */
    pg: Engine<TransactionalStore<RawSql>>;
    redis: Engine;
    redisLean: Engine;
  };
  pg: RawSql;
  sqlite: RawSql;
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

/** The request's Idempotency-Key, from the exchange withIdempotency puts in every call's context. */
const keyOf = (ctx: BenchContext): string | undefined => exchangeOf(ctx)?.header('idempotency-key');

export function benchRouter(deps: RouterDeps): AnyRouter {
  let counter = 0;
  const parse = (value: unknown): BenchInput => value as BenchInput;
  const base = t.procedure.input(parse);

  async function counterWork(ctx: BenchContext) {
    deps.executed(keyOf(ctx));
    if (ctx.hold) await deps.held();
    return { n: ++counter };
  }
  async function insertWork(ctx: BenchContext, input: BenchInput, on: RawSql, db: 'pg' | 'sqlite') {
    deps.executed(keyOf(ctx));
    if (ctx.hold) await deps.held();
    const id = newId();
    await on.$executeRawUnsafe(INSERT[db], id, JSON.stringify(input));
    return { id };
  }

  const idem = <S extends IdempotencyStore>(engine: Engine<S>) =>
    createIdempotency(t, { engine, scope: () => 'bench' });
  const guarded = (engine: Engine, target: 'pg' | 'sqlite', policy: IdempotentOptions = {}) => {
    const layer = idem(engine);
    // idempotent() before .input(): as the middleware asks, it sees the raw input.
    const p = t.procedure.use(layer.idempotent({ preset: 'ietf', ...policy })).input(parse);
    return t.router({
      counter: p.mutation(({ ctx }) => counterWork(ctx)),
      insert: p.mutation(({ ctx, input }) => insertWork(ctx, input, deps[target], target)),
    });
  };
  const pgtx = idem(deps.engines.pg);
  const peer = (run: Peer['run']) =>
    t.router({
      counter: base.mutation(({ ctx, input }) => run(keyOf(ctx), input, () => counterWork(ctx))),
      insert: base.mutation(({ ctx, input }) =>
        run(keyOf(ctx), input, () => insertWork(ctx, input, deps.pg, 'pg')),
      ),
    });

  return t.router({
    none: t.router({
      counter: base.mutation(({ ctx }) => counterWork(ctx)),
      insertPg: base.mutation(({ ctx, input }) => insertWork(ctx, input, deps.pg, 'pg')),
      insertSqlite: base.mutation(({ ctx, input }) => insertWork(ctx, input, deps.sqlite, 'sqlite')),
    }),
    memory: guarded(deps.engines.memory, 'pg'),
    sqlite: guarded(deps.engines.sqlite, 'sqlite'),
    pg: guarded(deps.engines.pg, 'pg'),
    // The outcome commits in the same transaction as the row (K11): idem.transaction(), in the store's own
    // (Prisma interactive) transaction.
    pgtx: t.router({
      counter: t.procedure
        .use(pgtx.idempotent({ preset: 'ietf' }))
        .input(parse)
        .use(pgtx.transaction())
        .mutation(({ ctx }) => counterWork(ctx)),
      insert: t.procedure
        .use(pgtx.idempotent({ preset: 'ietf' }))
        .input(parse)
        .use(pgtx.transaction())
        .mutation(({ ctx, input }) => insertWork(ctx, input, ctx.tx, 'pg')),
    }),
    redis: guarded(deps.engines.redis, 'pg'),
    redisLean: guarded(deps.engines.redisLean, 'pg', { fingerprint: { mode: 'bytes' } }),
    nodeIdempotency: peer(deps.peers.nodeIdempotency.run),
    powertools: peer(deps.peers.powertools.run),
  });
}
