// Real databases for idem's own tests: a fresh PostgreSQL database on the shared server, or a fresh SQLite file,
// per suite, prepared by the migration a suite passes (idem's own, from @idem/core; this package depends on
// nothing of idem's, so core's own tests can use it). Suites never share tables, so they can run in parallel and
// leave nothing behind.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

/** The PostgreSQL server tests use; its database `test` must exist (CI and these machines provide it). */
export const testPostgresUrl: string =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestPostgres {
  readonly url: string;
  /** A pool on the database, ended by drop(). */
  readonly pool: pg.Pool;
  /** Opens another pool (another "process"); ended by drop(). */
  newPool(max?: number): pg.Pool;
  drop(): Promise<void>;
}

export interface TestSqlite {
  readonly url: string;
  readonly file: string;
  readonly database: Database.Database;
  /** Opens another connection on the same file (another "process"); closed by drop(). */
  newConnection(): Database.Database;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A pool whose idle clients may lose their server without crashing the test process. */
function poolOn(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

/**
 * A fresh PostgreSQL database, prepared by `migrate` when given.
 *
 * @example
 * const db = await createTestPostgres({ migrate });   // migrate from @idem/core/pg
 * const store = pgStore({ pool: db.pool });
 * … await db.drop();
 */
export async function createTestPostgres(
  options: { migrate?: (pool: pg.Pool) => Promise<unknown>; max?: number } = {},
): Promise<TestPostgres> {
  const name = `idem_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(testPostgresUrl, name);
  const pools: pg.Pool[] = [];
  const newPool = (max = options.max ?? 10) => {
    const pool = poolOn(url, max);
    pools.push(pool);
    return pool;
  };
  const pool = newPool();
  if (options.migrate) await options.migrate(pool);
  return {
    url,
    pool,
    newPool,
    async drop() {
      await Promise.all(pools.map((p) => p.end().catch(() => {})));
      const client = new pg.Client({ connectionString: testPostgresUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A fresh SQLite file, prepared by `migrate` when given. */
export async function createTestSqlite(
  options: { migrate?: (database: Database.Database) => Promise<unknown> } = {},
): Promise<TestSqlite> {
  const dir = mkdtempSync(join(tmpdir(), 'idem-test-'));
  const file = join(dir, 'test.db');
  const connections: Database.Database[] = [];
  const newConnection = () => {
    const db = new Database(file);
    connections.push(db);
    return db;
  };
  const database = newConnection();
  if (options.migrate) await options.migrate(database);
  return {
    url: `file:${file}`,
    file,
    database,
    newConnection,
    async drop() {
      for (const db of connections) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
