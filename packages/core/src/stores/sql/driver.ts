// What the SQL store needs from a database client, whichever it is (node-postgres, better-sqlite3, Prisma): run a
// statement, run several atomically, open a transaction for business writes, and tell a dropped connection from
// a failed statement. Each driver module (pg.ts, better-sqlite3.ts, prisma.ts) adapts one client to this.
import type { Dialect, Statement } from './dialect.ts';

/** Runs statements on one connection or pool. */
export interface SqlRunner {
  /** Rows of a statement. */
  query<T>(statement: Statement, args: readonly unknown[]): Promise<T[]>;
  /** Rows changed by a statement. */
  execute(statement: Statement, args: readonly unknown[]): Promise<number>;
}

export interface SqlDriver<Tx> extends SqlRunner {
  readonly dialect: Dialect;
  /**
   * Runs `fn` so that its statements are atomic together and no other request's statements land among them: on
   * PostgreSQL each statement is atomic on its own (autocommit), on SQLite the connection is shared, so `fn` runs
   * in a short immediate transaction of its own.
   */
  atomically<T>(fn: (on: SqlRunner) => Promise<T>): Promise<T>;
  /** Opens a transaction for business writes; `tx` is what the user writes through. */
  transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
  /** Runs statements inside a transaction the user opened (`tx` from transaction(), or one of their own). */
  within(tx: Tx): SqlRunner;
  /** Whether an error means the database was unreachable or dropped the connection. */
  isTransientError(error: unknown): boolean;
  /** Hears key changes made by other processes (PostgreSQL LISTEN), to wake waiting duplicates. */
  readonly changeFeed?: ChangeFeed;
  /** Sends a change to other processes (PostgreSQL NOTIFY), on `on` so it goes with the change's transaction. */
  notify?(on: SqlRunner, channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Hears key changes made by other processes (PostgreSQL LISTEN), to wake waiting duplicates. */
export interface ChangeFeed {
  /** Calls `listener` with refId(key) whenever a key is completed, abandoned or released anywhere. */
  subscribe(listener: (id: string) => void): () => void;
  /**
   * Resolves once notifications are heard (never rejects): a waiter re-reads its key only after that, so a change
   * made in between cannot go unheard.
   */
  listening(): Promise<void>;
}

/**
 * Calls `fn` with one holder at a time, in order. better-sqlite3 and Prisma's SQLite adapter share one connection:
 * a transaction left open across an await would otherwise take in other requests' statements.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** Splits a migration script into statements: one per `;` at the end of a line (no procedural SQL in ours). */
export function statementsOf(script: string): string[] {
  return script
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s !== '');
}
