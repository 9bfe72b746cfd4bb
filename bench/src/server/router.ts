// The benchmark's tRPC router: one procedure per layer and mutation, all with the same input parser, the same
// business work through the same driver, and the same HTTP adapter. Only the idempotency layer in front of the
// work differs between arms:
// - the counter adds one to a number in memory;
// - the insert writes one row to bench_rows: on PostgreSQL through node-postgres (a pool, or the PoolClient of
//   idem.transaction()), on SQLite through better-sqlite3. Every arm calls the same `insert` with the same
//   prepared statement, so the arms differ by their layer and by nothing else (the runner counts the rows each arm
//   wrote to prove it).
import type { Engine, IdempotencyStore, TransactionalStore } from '@idem/core';
import { createIdempotency, exchangeOf, type IdempotentOptions } from '@idem/trpc';
import { type AnyRouter, initTRPC } from '@trpc/server';
import type Database from 'better-sqlite3';
import type pg from 'pg';
// The bench is internal tooling: it takes idem's own UUIDv7 generator from core's sources (not exported).
import { newId } from '../../../packages/core/src/ids.ts';
import type { Peer } from './peers.ts';

export interface BenchContext {
  /** The request asked to be held inside the procedure until released (the in-flight arms' holder). */
  hold: boolean;
  /** The runner's tag of the run this request belongs to (x-bench-run), written into each row. */
  run: string;
}

/** Where the business rows go: a pg pool or client, or a better-sqlite3 connection. */
export type RowSink = { kind: 'pg'; on: pg.Pool | pg.PoolClient } | { kind: 'sqlite'; on: Database.Database };

export interface RouterDeps {
  engines: {
    memory: Engine;
    /** The memory store with events off (its arm also logs no requests and fingerprints bytes). */
    memoryLean: Engine;
    /** Transactional: idem.transaction() hands the procedure the store's own connection, in BEGIN IMMEDIATE. */
    sqlite: Engine<TransactionalStore<Database.Database>>;
    /** Transactional: idem.transaction() hands the procedure a PoolClient of the store's pool, in BEGIN. */
    pg: Engine<TransactionalStore<pg.PoolClient>>;
    redis: Engine;
    /** The Redis store with events off (its arm also logs no requests and fingerprints bytes). */
    redisLean: Engine;
  };
  /** The application's pool: the bare insert and every non-transactional arm write through it. */
  pg: pg.Pool;
  /** The bare SQLite insert's own connection (WAL, tuned as sqliteStore tunes its own). */
  sqlite: Database.Database;
  peers: { nodeIdempotency: Peer; powertools: Peer };
  /** Counts calls, answers and runs of the work, for the runner's fairness check. */
  tally: Tally;
  /** Resolves when the holders are released. */
  held(): Promise<void>;
  /** Counts executions per key (duplicate storms). */
  executed(key: string | undefined): void;
}

/** What the server counts, per run tag, for the runner's check that every arm did the work it claims. */
export interface Tally {
  /** A call entered its procedure. */
  entered(): void;
  /** A call left its procedure: answered without an error, or with this error's code and message. */
  left(run: string, error: { code: string; message: string } | null): void;
  /** The business work ran once for this tag. */
  ran(run: string): void;
}

export interface BenchInput {
  order: Record<string, unknown>;
}

const t = initTRPC.context<BenchContext>().create({ isDev: false });

const INSERT = {
  pg: 'INSERT INTO bench_rows (id, run, payload) VALUES ($1, $2, $3)',
  sqlite: 'INSERT INTO bench_rows (id, run, payload) VALUES (?, ?, ?)',
} as const;

// One prepared statement per SQLite connection, as node-postgres prepares a named statement once per connection.
const sqliteInserts = new WeakMap<Database.Database, Database.Statement>();

/** The business write every insert arm does: one row, the request's payload as JSON, one prepared statement. */
async function insert(sink: RowSink, run: string, input: BenchInput): Promise<{ id: string }> {
  const id = newId();
  const payload = JSON.stringify(input);
  if (sink.kind === 'pg') {
    await sink.on.query({ name: 'bench_insert', text: INSERT.pg, values: [id, run, payload] });
  } else {
    let statement = sqliteInserts.get(sink.on);
    if (statement === undefined) {
      statement = sink.on.prepare(INSERT.sqlite);
      sqliteInserts.set(sink.on, statement);
    }
    statement.run(id, run, payload);
  }
  return { id };
}

/** The request's Idempotency-Key, from the exchange withIdempotency puts in every call's context. */
const keyOf = (ctx: BenchContext): string | undefined => exchangeOf(ctx)?.header('idempotency-key');

export function benchRouter(deps: RouterDeps): AnyRouter {
  const { tally } = deps;
  let counter = 0;
  const parse = (value: unknown): BenchInput => value as BenchInput;

  // Outermost on every procedure: counts the call and its answer, so the runner can compare, after each run, the
  // answers an arm gave with the work it did and the rows it wrote.
  const counted = t.procedure.use(async function countCalls({ ctx, next }) {
    tally.entered();
    let error: { code: string; message: string } | null = { code: 'THROWN', message: 'thrown' };
    try {
      const result = await next();
      error = result.ok ? null : { code: result.error.code, message: result.error.message };
      return result;
    } finally {
      tally.left(ctx.run, error);
    }
  });
  // The in-flight arms' holder waits here, after the key is claimed and before any transaction opens (a
  // transaction held open for the whole run would hold SQLite's one writer, or a pool client, all along).
  const holdable = t.middleware(async function holdIfAsked({ ctx, next }) {
    if (ctx.hold) await deps.held();
    return next();
  });

  const counterWork = (ctx: BenchContext) => {
    deps.executed(keyOf(ctx));
    tally.ran(ctx.run);
    return { n: ++counter };
  };
  const insertWork = (ctx: BenchContext, input: BenchInput, sink: RowSink) => {
    deps.executed(keyOf(ctx));
    tally.ran(ctx.run);
    return insert(sink, ctx.run, input);
  };
  const pgSink: RowSink = { kind: 'pg', on: deps.pg };
  const bareSqliteSink: RowSink = { kind: 'sqlite', on: deps.sqlite };

  const base = counted.input(parse);
  const idem = <S extends IdempotencyStore>(engine: Engine<S> | (() => Engine<S>), requestLog = true) =>
    createIdempotency(t, { engine, scope: () => 'bench', requestLog });
  // idempotent() before .input(): as the middleware asks, it sees the raw input.
  const guarded = (engine: Engine | (() => Engine), policy: IdempotentOptions = {}, requestLog = true) => {
    const p = counted
      .use(idem(engine, requestLog).idempotent({ preset: 'ietf', ...policy }))
      .use(holdable)
      .input(parse);
    return t.router({
      counter: p.mutation(({ ctx }) => counterWork(ctx)),
      insert: p.mutation(({ ctx, input }) => insertWork(ctx, input, pgSink)),
    });
  };
  // The outcome commits in the same transaction as the row (K11), on the store's own connection.
  const sqliteIdem = idem(deps.engines.sqlite);
  const sqliteGuarded = counted
    .use(sqliteIdem.idempotent({ preset: 'ietf' }))
    .use(holdable)
    .input(parse);
  const pgIdem = idem(deps.engines.pg);
  const pgGuarded = counted
    .use(pgIdem.idempotent({ preset: 'ietf' }))
    .use(holdable)
    .input(parse);
  // The peers wrap the same work inside the resolver, as their documentation shows; the holder waits inside it.
  const peer = (run: Peer['run']) => {
    const held = async <R>(ctx: BenchContext, work: () => R | Promise<R>): Promise<R> => {
      if (ctx.hold) await deps.held();
      return work();
    };
    return t.router({
      counter: base.mutation(({ ctx, input }) =>
        run(keyOf(ctx), input, () => held(ctx, () => counterWork(ctx))),
      ),
      insert: base.mutation(({ ctx, input }) =>
        run(keyOf(ctx), input, () => held(ctx, () => insertWork(ctx, input, pgSink))),
      ),
    });
  };

  return t.router({
    none: t.router({
      counter: base.mutation(({ ctx }) => counterWork(ctx)),
      insertPg: base.mutation(({ ctx, input }) => insertWork(ctx, input, pgSink)),
      insertSqlite: base.mutation(({ ctx, input }) => insertWork(ctx, input, bareSqliteSink)),
    }),
    // Read at each call: the server starts each run on a fresh memory store (main.ts, /control/fresh-memory).
    memory: guarded(() => deps.engines.memory),
    // The lean end of idem's options: no events (the engine's), no request log, byte-exact fingerprints.
    memoryLean: guarded(() => deps.engines.memoryLean, { fingerprint: { mode: 'bytes' } }, false),
    // SQLite has one writer per file: the row must be written in turn with the store's own statements, and
    // idem.transaction() is how (it also commits the outcome with the row, in one transaction).
    sqlite: t.router({
      counter: sqliteGuarded.mutation(({ ctx }) => counterWork(ctx)),
      insert: sqliteGuarded
        .use(sqliteIdem.transaction())
        .mutation(({ ctx, input }) => insertWork(ctx, input, { kind: 'sqlite', on: ctx.tx })),
    }),
    // Autocommit: the claim and the outcome on the store's pool, the row on the application's.
    pg: t.router({
      counter: pgGuarded.mutation(({ ctx }) => counterWork(ctx)),
      insert: pgGuarded.mutation(({ ctx, input }) => insertWork(ctx, input, pgSink)),
    }),
    // The row and the outcome in one transaction on a PoolClient of the store's pool (idem.transaction()).
    pgtx: t.router({
      counter: pgGuarded.use(pgIdem.transaction()).mutation(({ ctx }) => counterWork(ctx)),
      insert: pgGuarded
        .use(pgIdem.transaction())
        .mutation(({ ctx, input }) => insertWork(ctx, input, { kind: 'pg', on: ctx.tx })),
    }),
    redis: guarded(deps.engines.redis),
    redisLean: guarded(deps.engines.redisLean, { fingerprint: { mode: 'bytes' } }, false),
    nodeIdempotency: peer(deps.peers.nodeIdempotency.run),
    powertools: peer(deps.peers.powertools.run),
  });
}
