// @idem/core/prisma: idem's store through a Prisma client (7.x, driver adapters) on PostgreSQL or SQLite, so
// outcomes commit in the same interactive transaction as your Prisma writes.
import type { AdminCapable } from './admin.ts';
import type { TransactionalStore } from './store.ts';
import { tables } from './stores/sql/dialect.ts';
import { type MigrateOptions, type MigrateResult, migrateSql } from './stores/sql/migrate.ts';
import type { PgClientLike, PgPoolLike } from './stores/sql/pg.ts';
import { type PrismaClientLike, prismaDriver } from './stores/sql/prisma.ts';
import { createSqlStore } from './stores/sql/store.ts';

export type { MigrateOptions, MigrateResult } from './stores/sql/migrate.ts';
export type { PrismaClientLike, PrismaRawClient } from './stores/sql/prisma.ts';

export interface PrismaStoreOptions<Tx> {
  /** Your PrismaClient. */
  client: PrismaClientLike<Tx>;
  /** The client's database. */
  provider: 'postgresql' | 'sqlite';
  /** PostgreSQL: the schema idem's tables live in, if not the search_path's first. */
  schema?: string;
  /**
   * PostgreSQL: a node-postgres Pool for the store's own statements (a quarter of the CPU of a raw Prisma query)
   * and for LISTEN wake-ups; outcomes inside a Prisma transaction still go through it.
   */
  pool?: PgPoolLike<PgClientLike>;
  /** Business transactions' limits (Prisma's maxWait and timeout; default 30 s and 60 s). */
  transactionOptions?: { maxWait?: number; timeout?: number };
}

/**
 * A store through Prisma. Transactional: `store.transaction(fn)` is `client.$transaction(fn)`, and `fn`'s
 * transaction client is what you write through.
 *
 * @example
 * const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
 * const engine = createEngine({ store: prismaStore({ client: prisma, provider: 'postgresql' }) });
 */
export function prismaStore<Tx>(options: PrismaStoreOptions<Tx>): TransactionalStore<Tx> & AdminCapable {
  return createSqlStore({
    driver: prismaDriver({
      client: options.client,
      provider: options.provider,
      ...(options.pool ? { pool: options.pool } : {}),
      ...(options.transactionOptions ? { transactionOptions: options.transactionOptions } : {}),
    }),
    tables: tables(options.schema),
  });
}

/** Creates or upgrades idem's tables through the Prisma client (see @idem/core/pg's migrate). */
export function migrate<Tx>(
  client: PrismaClientLike<Tx>,
  provider: 'postgresql' | 'sqlite',
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  return migrateSql(prismaDriver({ client, provider }), options);
}
