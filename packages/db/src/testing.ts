// Real databases for tests: a fresh SQLite file, or a fresh PostgreSQL database on the shared server, per
// suite. Suites never share tables, so they can run in parallel and leave nothing behind.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from './client.ts';

/** The PostgreSQL server tests use; its database `test` must exist (CI and these machines provide it). */
export const testPostgresUrl: string =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly url: string;
  /** Opens (and migrates) a Prisma client on it. */
  open(options?: { poolSize?: number }): Promise<Database>;
  /** Deletes the database. */
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Creates an empty, migrated-on-open database of the given kind.
 *
 * @example
 * const db = await createTestDatabase('postgresql');
 * const { prisma } = await db.open();
 * // … test …
 * await prisma.$disconnect(); await db.drop();
 */
export async function createTestDatabase(provider: 'sqlite' | 'postgresql'): Promise<TestDatabase> {
  if (provider === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'idem-test-'));
    const url = `file:${join(dir, 'test.db')}`;
    return {
      url,
      open: (options) => openDatabase({ url, ...options }),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `idem_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(testPostgresUrl, name);
  return {
    url,
    open: (options) => openDatabase({ url, ...options }),
    drop: async () => {
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
