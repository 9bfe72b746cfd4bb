// isTransient… decides between "503, key released, retry runs" and "stored outcome, replayed forever", so it is
// held to the errors real drivers throw: a PostgreSQL backend terminated under a transaction (the outage suite's
// case), a server nobody listens on, a SQLite file locked past the busy timeout, and, on the other side, errors a
// retry cannot cure. (Prisma's errors are held to the same in apps/api, which has a generated client.)
import { migrate as migratePg } from '../../pg.ts';
import { migrate as migrateSqlite } from '../../sqlite.ts';
import { createTestPostgres, createTestSqlite, type TestPostgres } from '@idem/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTransaction } from './pg.ts';
import { isTransientPgError, isTransientSqliteError } from './transient.ts';

async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the work to fail');
}

describe('isTransientPgError', () => {
  let database: TestPostgres;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestPostgres({ migrate: migratePg });
    await database.pool.query('CREATE TABLE things (id TEXT PRIMARY KEY)');
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });

  it('K11: every error from a transaction whose backend was terminated is transient, and no process exits', async () => {
    // Which error the driver reports depends on when it notices (57P01, "Connection terminated unexpectedly",
    // "not queryable"): several rounds meet several of them.
    const seen: unknown[] = [];
    for (let round = 0; round < 6; round++) {
      const failure = await caught(() =>
        pgTransaction(database.pool, async (client) => {
          const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          for (let i = 0; i < 3; i++)
            seen.push(await caught(() => client.query('SELECT count(*) FROM things')));
          await client.query('SELECT count(*) FROM things');
        }),
      );
      seen.push(failure);
    }
    expect(seen.length).toBe(24);
    expect(seen.filter((error) => !isTransientPgError(error)).map(String)).toEqual([]);
    // The pool gives the next request a working connection: nothing here needed a restart.
    expect((await database.pool.query('SELECT count(*)::int AS n FROM things')).rows[0]).toEqual({ n: 0 });
  });

  it('a database nobody listens on is transient', async () => {
    const url = new URL(database.url);
    url.port = '1'; // privileged and unused: the connection is refused at once
    const pool = new pg.Pool({ connectionString: url.toString() });
    const error = await caught(() => pool.query('SELECT 1'));
    await pool.end();
    expect(isTransientPgError(error)).toBe(true);
  });

  it('errors a retry cannot cure are not transient: a unique violation, a bad value, a plain bug', async () => {
    await database.pool.query("INSERT INTO things VALUES ('one')");
    const duplicate = await caught(() => database.pool.query("INSERT INTO things VALUES ('one')"));
    const nul = await caught(() => database.pool.query('INSERT INTO things VALUES ($1)', ['a\u0000b']));
    expect(isTransientPgError(duplicate)).toBe(false);
    expect(isTransientPgError(nul)).toBe(false);
    expect(isTransientPgError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientPgError(null)).toBe(false);
  });
});

describe('isTransientSqliteError', () => {
  it('a file another connection holds locked past the busy timeout is transient', async () => {
    const database = await createTestSqlite({ migrate: migrateSqlite });
    const a = database.database;
    const b = database.newConnection();
    try {
      a.exec('CREATE TABLE things (id TEXT PRIMARY KEY)');
      b.pragma('busy_timeout = 0');
      a.exec('BEGIN IMMEDIATE');
      a.prepare("INSERT INTO things VALUES ('u1')").run();
      const error = await caught(async () => b.prepare("INSERT INTO things VALUES ('u2')").run());
      a.exec('ROLLBACK');
      expect(isTransientSqliteError(error)).toBe(true);
      const duplicate = await caught(async () => {
        a.prepare("INSERT INTO things VALUES ('x')").run();
        a.prepare("INSERT INTO things VALUES ('x')").run();
      });
      expect(isTransientSqliteError(duplicate)).toBe(false);
    } finally {
      await database.drop();
    }
  });
});
