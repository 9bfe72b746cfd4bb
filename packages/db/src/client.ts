import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresPrismaClient } from '../generated/postgres/client.ts';
import { PrismaClient as SqlitePrismaClient } from '../generated/sqlite/client.ts';
import { migrate, type MigrateResult } from './migrate.ts';
import { type DatabaseTarget, resolveTarget } from './target.ts';

export { PostgresPrismaClient, SqlitePrismaClient };

/** An open database: the Prisma client with the right driver adapter, tagged by provider. */
export type Database =
  | {
      provider: 'sqlite';
      target: DatabaseTarget;
      prisma: SqlitePrismaClient;
      migration: MigrateResult | null;
    }
  | {
      provider: 'postgresql';
      target: DatabaseTarget;
      prisma: PostgresPrismaClient;
      migration: MigrateResult | null;
    };

export interface OpenDatabaseOptions {
  /** Defaults to process.env.DATABASE_URL, then to the embedded SQLite file. */
  url?: string;
  /** Apply committed migrations first (default true): a fresh SQLite file is created and migrated. */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/**
 * Opens the database DATABASE_URL names, migrating it first.
 *
 * @example
 * const db = await openDatabase();            // .data/idem.db, created on first use
 * const pg = await openDatabase({ url: 'postgres://postgres@127.0.0.1:5432/test' });
 * await db.prisma.$disconnect();
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const target = resolveTarget(options.url ?? process.env.DATABASE_URL);
  const migration = options.migrate === false ? null : await migrate(target);
  if (target.provider === 'sqlite') {
    // The adapter opens its own better-sqlite3 connection; a busy timeout covers a second process on the file.
    const adapter = new PrismaBetterSqlite3(
      { url: target.url, timeout: 5000 },
      { timestampFormat: 'unixepoch-ms' },
    );
    return { provider: 'sqlite', target, prisma: new SqlitePrismaClient({ adapter }), migration };
  }
  const adapter = new PrismaPg({ connectionString: target.url, max: options.poolSize ?? 10 });
  return { provider: 'postgresql', target, prisma: new PostgresPrismaClient({ adapter }), migration };
}
