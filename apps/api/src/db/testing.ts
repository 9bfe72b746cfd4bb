// Real databases for the demo's tests: a fresh SQLite file, or a fresh PostgreSQL database on the shared server,
// per suite (from @idem/testing), opened through the demo's own Prisma client and migrations.
import { createTestPostgres, createTestSqlite } from '@idem/testing';
import { type Database, openDatabase } from './client.ts';

export interface TestDatabase {
  readonly url: string;
  /** Opens (and migrates) a Prisma client on it. */
  open(options?: { poolSize?: number }): Promise<Database>;
  /** Deletes the database. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database of the given kind, migrated when first opened.
 *
 * @example
 * const db = await createTestDatabase('postgresql');
 * const { prisma } = await db.open();
 * // … test …
 * await prisma.$disconnect(); await db.drop();
 */
export async function createTestDatabase(provider: 'sqlite' | 'postgresql'): Promise<TestDatabase> {
  const made = provider === 'sqlite' ? await createTestSqlite() : await createTestPostgres({ max: 1 });
  return {
    url: made.url,
    open: (options) => openDatabase({ url: made.url, ...options }),
    drop: () => made.drop(),
  };
}

export { testPostgresUrl } from '@idem/testing';
