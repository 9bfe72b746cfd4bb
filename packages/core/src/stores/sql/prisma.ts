// The SQL store's driver for a Prisma client (7.x, with a driver adapter for PostgreSQL or SQLite). Statements go
// through $queryRawUnsafe; business transactions are Prisma interactive transactions, and the outcome is written
// through the same transaction client. On PostgreSQL, a node-postgres pool given as `pool` (the one a PrismaPg
// adapter wraps, say) runs the store's own statements at a quarter of the CPU and LISTENs for wake-ups.
import { postgres, type Statement, sqlite } from './dialect.ts';
import { Mutex, type SqlDriver, type SqlRunner } from './driver.ts';
import { pgDriver, type PgClientLike, type PgPoolLike } from './pg.ts';
import { isTransientPrismaError } from './transient.ts';

/** What the store uses of a Prisma client or of an interactive-transaction client. */
export interface PrismaRawClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** A Prisma client that opens interactive transactions; `Tx` is its transaction client. */
export interface PrismaClientLike<Tx> extends PrismaRawClient {
  $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

function runner(client: PrismaRawClient): SqlRunner {
  const bind = (st: Statement, args: readonly unknown[]) =>
    st.order === null ? [...args] : st.order.map((i) => args[i]);
  return {
    query: <T>(st: Statement, args: readonly unknown[]) =>
      client.$queryRawUnsafe<T[]>(st.sql, ...bind(st, args)),
    execute: (st, args) => client.$executeRawUnsafe(st.sql, ...bind(st, args)),
  };
}

export interface PrismaDriverOptions<Tx> {
  client: PrismaClientLike<Tx>;
  provider: 'postgresql' | 'sqlite';
  /** PostgreSQL: the node-postgres pool to run the store's own statements on, and to LISTEN with. */
  pool?: PgPoolLike<PgClientLike>;
  /** How long a business transaction may wait for a connection, and run (default 30 s and 60 s). */
  transactionOptions?: { maxWait?: number; timeout?: number };
}

export function prismaDriver<Tx>(options: PrismaDriverOptions<Tx>): SqlDriver<Tx> {
  const { client } = options;
  const txOptions = { maxWait: 30_000, timeout: 60_000, ...options.transactionOptions };
  const within = (tx: Tx): SqlRunner => runner(tx as unknown as PrismaRawClient);
  if (options.provider === 'postgresql') {
    const fast = options.pool ? pgDriver({ pool: options.pool }) : undefined;
    const on = fast ?? runner(client);
    return {
      dialect: postgres,
      query: (st, args) => on.query(st, args),
      execute: (st, args) => on.execute(st, args),
      atomically: (fn) => fn(on),
      transaction: (fn) => client.$transaction(fn, txOptions),
      within,
      isTransientError: isTransientPrismaError,
      ...(fast?.changeFeed ? { changeFeed: fast.changeFeed } : {}),
      async notify(runOn, channel, payload) {
        await runOn.execute({ sql: 'SELECT pg_notify($1, $2)', order: null, prepared: true }, [
          channel,
          payload,
        ]);
      },
      close: async () => fast?.close(),
    };
  }
  // SQLite: Prisma's adapter shares one connection, so its transactions and the store's own operations take turns
  // (see better-sqlite3.ts); each store operation is a short Prisma transaction of its own.
  const lock = new Mutex();
  const on = runner(client);
  return {
    dialect: sqlite,
    query: (st, args) => lock.run(() => on.query(st, args)),
    execute: (st, args) => lock.run(() => on.execute(st, args)),
    atomically: (fn) => lock.run(() => client.$transaction((tx) => fn(within(tx)), txOptions)),
    transaction: (fn) => lock.run(() => client.$transaction(fn, txOptions)),
    within,
    isTransientError: isTransientPrismaError,
    async close() {},
  };
}
