// The SQL store's driver for node-postgres: a Pool the application already has. Statements run on the pool
// (prepared once per connection); a transaction checks out one client; one more client of the pool LISTENs, so
// duplicates waiting in any process wake as soon as a key settles. `pg` is taken structurally: idem does not
// depend on it, the application does.
import { sha256 } from '#digest';
import { postgres, type Statement } from './dialect.ts';
import type { ChangeFeed, SqlDriver, SqlRunner } from './driver.ts';
import { isTransientPgError } from './transient.ts';

/** The part of a node-postgres `QueryConfig`/result the store uses. */
export interface PgQueryable {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{
    rows: unknown[];
    rowCount: number | null;
  }>;
}

/** A checked-out client (`pg.PoolClient`). */
export interface PgClientLike extends PgQueryable {
  release(destroy?: boolean | Error): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(
    event: 'notification',
    listener: (message: { channel: string; payload?: string | undefined }) => void,
  ): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** A node-postgres `Pool`. */
export interface PgPoolLike<C extends PgClientLike = PgClientLike> extends PgQueryable {
  connect(): Promise<C>;
}

/**
 * The client type a pool checks out (`pg.PoolClient` for a `pg.Pool`). node-postgres declares `connect()` twice,
 * with a promise and with a callback, and TypeScript infers from the last declaration: the callback's.
 */
export type PgClientOf<P> = P extends {
  connect(callback: (err: never, client: infer C, done: never) => void): void;
}
  ? Exclude<C, undefined> extends PgClientLike
    ? Exclude<C, undefined>
    : PgClientLike
  : P extends { connect(): Promise<infer C> }
    ? C
    : PgClientLike;

// Statement names are a hash of their text: the same SQL is prepared once per connection and reused.
const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `idem_${sha256(text).slice(0, 20)}`;
    if (names.size < 1000) names.set(text, name);
  }
  return name;
}

function runner(on: PgQueryable): SqlRunner {
  const config = (st: Statement, values: readonly unknown[]) =>
    st.prepared
      ? { name: statementName(st.sql), text: st.sql, values: [...values] }
      : { text: st.sql, values: [...values] };
  return {
    async query<T>(st: Statement, args: readonly unknown[]) {
      return (await on.query(config(st, args))).rows as T[];
    },
    async execute(st: Statement, args: readonly unknown[]) {
      return (await on.query(config(st, args))).rowCount ?? 0;
    },
  };
}

// A client that loses its server while checked out (a terminated backend between two statements) emits 'error';
// with no listener that is an uncaught exception and the process exits. The statement that next uses it fails
// instead, and is answered 503.
const ignore = (): void => {};

/**
 * Runs `fn` in a transaction on one client of the pool: BEGIN, fn, COMMIT, or ROLLBACK on any error. A client
 * whose connection broke is destroyed, not returned to the pool.
 */
export async function pgTransaction<P extends PgPoolLike, R>(
  pool: P,
  fn: (client: PgClientOf<P>) => Promise<R>,
): Promise<R> {
  const client = (await pool.connect()) as PgClientOf<P>;
  client.on('error', ignore);
  let broken = false;
  try {
    await client.query({ text: 'BEGIN' });
    const result = await fn(client);
    await client.query({ text: 'COMMIT' });
    return result;
  } catch (error) {
    await client.query({ text: 'ROLLBACK' }).catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.removeListener('error', ignore);
    client.release(broken);
  }
}

/**
 * LISTEN on one client of the pool; reconnects quietly after a loss (waiters still wake when their lease could
 * have ended, so a lost notification only delays).
 */
function listen(pool: PgPoolLike, channel: string): ChangeFeed & { close(): void } {
  const listeners = new Set<(id: string) => void>();
  let client: PgClientLike | null = null;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | null = null;
  // Settled when a LISTEN stands, or when one attempt failed (waiters then rely on their timeout).
  let standing: Promise<void> | null = null;
  const onNotification = (message: { channel: string; payload?: string | undefined }) => {
    if (message.channel !== channel || message.payload === undefined) return;
    for (const listener of listeners) listener(message.payload);
  };
  const lost = (c: PgClientLike) => () => {
    if (client !== c) return;
    client = null;
    c.release(true);
    schedule();
  };
  const schedule = (): void => {
    if (closed || retry !== null) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, 1000);
    (retry as { unref?: () => void }).unref?.();
  };
  const connect = async (): Promise<void> => {
    let c: PgClientLike | undefined;
    try {
      c = await pool.connect();
      c.on('notification', onNotification);
      c.on('error', lost(c));
      await c.query({ text: `LISTEN "${channel.replace(/"/g, '""')}"` });
      if (closed) c.release(true);
      else client = c;
    } catch {
      // A connection lost before its LISTEN stood goes back to the pool destroyed: kept checked out, each such
      // loss would take one of the pool's clients for good, until none is left for the store's statements.
      c?.release(true);
      schedule();
    }
  };
  return {
    subscribe(listener) {
      standing ??= connect();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    listening() {
      // After a lost connection, `client` is null until the reconnect: no point waiting for it.
      return client !== null || standing === null ? Promise.resolve() : standing;
    },
    close() {
      closed = true;
      if (retry !== null) clearTimeout(retry);
      listeners.clear();
      client?.release(true);
      client = null;
    },
  };
}

export interface PgDriverOptions<P extends PgPoolLike> {
  pool: P;
  /** LISTEN for wake-ups on one client of the pool (default true). */
  listen?: boolean;
  channel?: string;
}

export function pgDriver<P extends PgPoolLike>(options: PgDriverOptions<P>): SqlDriver<PgClientOf<P>> {
  const { pool } = options;
  const on = runner(pool);
  const feed = options.listen === false ? undefined : listen(pool, options.channel ?? 'idem_keys');
  return {
    dialect: postgres,
    ...on,
    // Each statement of the store is atomic on its own in PostgreSQL.
    atomically: (fn) => fn(on),
    transaction: (fn) => pgTransaction(pool, fn),
    within: (tx) => runner(tx),
    isTransientError: isTransientPgError,
    ...(feed ? { changeFeed: feed } : {}),
    async notify(runOn, channel, payload) {
      await runOn.execute({ sql: 'SELECT pg_notify($1, $2)', order: null, prepared: true }, [
        channel,
        payload,
      ]);
    },
    async close() {
      feed?.close();
    },
  };
}
