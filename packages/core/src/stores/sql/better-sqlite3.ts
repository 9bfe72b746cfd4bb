// The SQL store's driver for better-sqlite3: a Database the application opened. One connection serves the whole
// process, so everything that writes runs one at a time through a mutex: each store operation as a short
// immediate transaction, and a business transaction (sqliteTransaction) for as long as it runs. Other processes
// on the same file wait on SQLite's lock (busy_timeout). better-sqlite3 is taken structurally.
import { type Statement, sqlite } from './dialect.ts';
import { Mutex, type SqlDriver, type SqlRunner } from './driver.ts';
import { isTransientSqliteError } from './transient.ts';

/** The part of a better-sqlite3 `Statement` the store uses. */
export interface SqliteStatementLike {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

/** A better-sqlite3 `Database`. */
export interface SqliteDatabaseLike {
  /** The file's path (better-sqlite3's `name`). */
  readonly name?: string;
  prepare(sql: string): SqliteStatementLike;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  readonly inTransaction: boolean;
}

const locksByConnection = new WeakMap<object, Mutex>();
const locksByFile = new Map<string, Mutex>();

/**
 * The one mutex of a database file in this process, shared by every connection to it, its store and its business
 * transactions. Two connections of one process must not both reach for SQLite's write lock: better-sqlite3 waits
 * for it synchronously (busy_timeout), holding the event loop the other connection needs to finish.
 */
function lockOf(db: SqliteDatabaseLike): Mutex {
  const file = db.name;
  if (file && file !== ':memory:' && file !== '') {
    let lock = locksByFile.get(file);
    if (lock === undefined) {
      lock = new Mutex();
      locksByFile.set(file, lock);
    }
    return lock;
  }
  let lock = locksByConnection.get(db);
  if (lock === undefined) {
    lock = new Mutex();
    locksByConnection.set(db, lock);
  }
  return lock;
}

// better-sqlite3 binds booleans as errors: SQLite keeps them as 0/1.
const bindable = (value: unknown): unknown => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

function runner(db: SqliteDatabaseLike): SqlRunner {
  const cache = new Map<string, SqliteStatementLike>();
  const prepare = (st: Statement): SqliteStatementLike => {
    let prepared = cache.get(st.sql);
    if (prepared === undefined) {
      prepared = db.prepare(st.sql);
      if (st.prepared && cache.size < 500) cache.set(st.sql, prepared);
    }
    return prepared;
  };
  const ordered = (st: Statement, args: readonly unknown[]) =>
    (st.order === null ? args : st.order.map((i) => args[i])).map(bindable);
  return {
    async query<T>(st: Statement, args: readonly unknown[]) {
      const prepared = prepare(st);
      const values = ordered(st, args);
      if (prepared.reader) return prepared.all(...values) as T[];
      prepared.run(...values);
      return [];
    },
    async execute(st: Statement, args: readonly unknown[]) {
      return prepare(st).run(...ordered(st, args)).changes;
    },
  };
}

async function immediate<R>(db: SqliteDatabaseLike, fn: () => Promise<R>): Promise<R> {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = await fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * Runs `fn` in one immediate transaction on `db`, after the store's own operations in flight and before the next
 * ones: write through `db` inside it and complete the key with `{ tx: db }` to commit both together.
 */
export function sqliteTransaction<D extends SqliteDatabaseLike, R>(
  db: D,
  fn: (tx: D) => Promise<R>,
): Promise<R> {
  return lockOf(db).run(() => immediate(db, () => fn(db)));
}

/**
 * Prepares a connection for the store: WAL (readers never wait for the writer, across processes too) and a busy
 * timeout so a second process waits for the lock instead of failing at once.
 */
export function tuneSqlite(db: SqliteDatabaseLike, busyTimeoutMs = 5000): void {
  // The timeout first: switching to WAL waits for other processes' locks too.
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('journal_mode = WAL');
  // WAL with NORMAL is durable against application crashes, and loses at most the last commits on power loss.
  db.pragma('synchronous = NORMAL');
}

/** Runs `fn` in turn with everything else this process does on the file (see lockOf). */
export function inTurn<R>(db: SqliteDatabaseLike, fn: () => Promise<R>): Promise<R> {
  return lockOf(db).run(fn);
}

export function betterSqlite3Driver<D extends SqliteDatabaseLike>(db: D): SqlDriver<D> {
  const lock = lockOf(db);
  const on = runner(db);
  return {
    dialect: sqlite,
    // A lone statement still waits for a transaction in progress on the shared connection.
    query: (st, args) => lock.run(() => on.query(st, args)),
    execute: (st, args) => lock.run(() => on.execute(st, args)),
    atomically: (fn) => lock.run(() => immediate(db, () => fn(on))),
    transaction: (fn) => sqliteTransaction(db, fn),
    // The caller holds the lock already (inside sqliteTransaction or its own transaction on this connection).
    within: () => on,
    isTransientError: isTransientSqliteError,
    async close() {},
  };
}
