// @idem/core/sqlite: idem's store on SQLite through better-sqlite3, on a Database your application opened.
import type { AdminCapable } from './admin.ts';
import type { TransactionalStore } from './store.ts';
import {
  betterSqlite3Driver,
  inTurn,
  type SqliteDatabaseLike,
  sqliteTransaction,
  tuneSqlite,
} from './stores/sql/better-sqlite3.ts';
import { tables } from './stores/sql/dialect.ts';
import { type MigrateResult, migrateSql } from './stores/sql/migrate.ts';
import { createSqlStore } from './stores/sql/store.ts';

export type { MigrateResult } from './stores/sql/migrate.ts';
export type { SqliteDatabaseLike, SqliteStatementLike } from './stores/sql/better-sqlite3.ts';
export { sqliteTransaction };

export interface SqliteStoreOptions<D extends SqliteDatabaseLike> {
  /** A better-sqlite3 Database (`new Database('app.db')`). idem never closes it. */
  database: D;
  /**
   * Set WAL, a 5 s busy timeout and synchronous=NORMAL on the connection (default true): several processes on one
   * file then wait for each other instead of failing.
   */
  tune?: boolean;
}

/**
 * A store on SQLite. Every write of the process goes through one connection, one at a time; other processes on
 * the same file take turns through SQLite's lock. Transactional: `store.transaction(fn)` runs `fn` in an immediate
 * transaction on the database, in turn with the store's own operations.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const database = new Database('app.db');
 * await migrate(database);
 * const engine = createEngine({ store: sqliteStore({ database }) });
 */
export function sqliteStore<D extends SqliteDatabaseLike>(
  options: SqliteStoreOptions<D>,
): TransactionalStore<D> & AdminCapable {
  if (options.tune !== false) tuneSqlite(options.database);
  return createSqlStore({ driver: betterSqlite3Driver(options.database), tables: tables() });
}

/** Creates or upgrades idem's tables in one immediate transaction; safe from many processes at once. */
export async function migrate(database: SqliteDatabaseLike): Promise<MigrateResult> {
  // Tuned in turn with this process's other connections to the file: switching to WAL needs SQLite's lock.
  await inTurn(database, async () => tuneSqlite(database));
  return migrateSql(betterSqlite3Driver(database));
}
