// The demo's database: a Prisma client for the domain (SQLite by default, PostgreSQL when DATABASE_URL says so),
// with idem's tables migrated by idem itself and the domain's by the domain's own migrations.
import { migrate as migrateIdemPg } from '@idem/core/pg';
import { migrate as migrateIdemSqlite } from '@idem/core/sqlite';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { PrismaClient as PostgresPrismaClient } from '../../generated/postgres/client.ts';
import { PrismaClient as SqlitePrismaClient } from '../../generated/sqlite/client.ts';
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
      /** The pool Prisma's adapter runs on. */
      pool: pg.Pool;
      migration: MigrateResult | null;
    };

export interface OpenDatabaseOptions {
  /** Defaults to process.env.DATABASE_URL, then to the embedded SQLite file. */
  url?: string;
  /** Apply idem's and the domain's migrations first (default true): a fresh SQLite file is created and migrated. */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/**
 * A node-postgres pool that survives its server: an idle client that loses its connection, and a client lost in
 * the middle of a transaction between two statements, each emit 'error', which would otherwise end the process.
 * The statement that next uses such a client fails instead, and is answered 503.
 */
export function resilientPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

// One migration at a time per database in this process: on SQLite two connections of one process must not both
// wait for the file's write lock (better-sqlite3 waits synchronously, holding the event loop the other needs).
const migrating = new Map<string, Promise<unknown>>();

/** idem's tables, then the domain's. */
function migrateAll(target: DatabaseTarget): Promise<MigrateResult> {
  const previous = migrating.get(target.url) ?? Promise.resolve();
  const next = previous.then(
    () => migrateNow(target),
    () => migrateNow(target),
  );
  migrating.set(target.url, next);
  return next;
}

async function migrateNow(target: DatabaseTarget): Promise<MigrateResult> {
  if (target.provider === 'sqlite') {
    mkdirSync(dirname(target.file), { recursive: true });
    const connection = new BetterSqlite3(target.file);
    try {
      await migrateIdemSqlite(connection);
    } finally {
      connection.close();
    }
  } else {
    const pool = resilientPool({ connectionString: target.url, max: 1 });
    try {
      await migrateIdemPg(pool);
    } finally {
      await pool.end();
    }
  }
  return migrate(target);
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
  const migration = options.migrate === false ? null : await migrateAll(target);
  if (target.provider === 'sqlite') {
    // The adapter opens its own better-sqlite3 connection; a busy timeout covers a second process on the file.
    const adapter = new PrismaBetterSqlite3(
      { url: target.url, timeout: 5000 },
      { timestampFormat: 'unixepoch-ms' },
    );
    return { provider: 'sqlite', target, prisma: new SqlitePrismaClient({ adapter }), migration };
  }
  const pool = resilientPool({ connectionString: target.url, max: options.poolSize ?? 10 });
  const adapter = new PrismaPg(pool);
  return { provider: 'postgresql', target, prisma: new PostgresPrismaClient({ adapter }), pool, migration };
}
