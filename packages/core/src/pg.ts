// @idem/core/pg: idem's store on PostgreSQL through node-postgres, with the pool your application already has.
import type { AdminCapable } from './admin.ts';
import type { TransactionalStore } from './store.ts';
import { tables } from './stores/sql/dialect.ts';
import { type MigrateOptions, type MigrateResult, migrateSql } from './stores/sql/migrate.ts';
import { type PgClientOf, type PgPoolLike, pgDriver, pgTransaction } from './stores/sql/pg.ts';
import { createSqlStore } from './stores/sql/store.ts';

export type { MigrateOptions, MigrateResult } from './stores/sql/migrate.ts';
export type { PgClientLike, PgClientOf, PgPoolLike, PgQueryable } from './stores/sql/pg.ts';
export { pgTransaction };

export interface PgStoreOptions<P extends PgPoolLike> {
  /** A node-postgres Pool (`new pg.Pool(…)`). idem never ends it. */
  pool: P;
  /** The schema idem's tables live in, if not the search_path's first (the one `migrate` was given). */
  schema?: string;
  /**
   * Hold one connection of the pool to LISTEN for keys settled in other processes, so waiting duplicates wake at
   * once (default true). Without it they wake when the holder's lease could have ended.
   */
  listen?: boolean;
  /** The NOTIFY channel (default 'idem_keys'). */
  channel?: string;
}

/**
 * A store on PostgreSQL. Claims are atomic in the database, leases and expiry use its clock, so any number of
 * processes may share it. Transactional: `store.transaction(fn)` hands `fn` a client in BEGIN … COMMIT.
 *
 * @example
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);                       // or `npx idem migrate`
 * const engine = createEngine({ store: pgStore({ pool }) });
 */
export function pgStore<P extends PgPoolLike>(
  options: PgStoreOptions<P>,
): TransactionalStore<PgClientOf<P>> & AdminCapable {
  const channel = options.channel ?? 'idem_keys';
  return createSqlStore({
    driver: pgDriver({
      pool: options.pool,
      channel,
      ...(options.listen === undefined ? {} : { listen: options.listen }),
    }),
    tables: tables(options.schema),
    channel,
  });
}

/**
 * Creates or upgrades idem's tables (its own history in idem_migrations). Safe on every start and from many
 * processes at once (an advisory lock serialises them); refuses a database whose idem schema is newer.
 *
 * @example
 * await migrate(pool, { schema: 'idem' });
 */
export function migrate(pool: PgPoolLike, options: MigrateOptions = {}): Promise<MigrateResult> {
  return migrateSql(pgDriver({ pool, listen: false }), options);
}
