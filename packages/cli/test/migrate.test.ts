// `idem migrate` on real databases: a fresh PostgreSQL database and a fresh SQLite file, run twice (the second
// run applies nothing), four processes at once (one applies, the others find nothing to do), a schema newer than
// the CLI (refused, untouched), and databases that cannot be used (one line, its own exit code).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPostgres, type TestPostgres } from '@idem/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, closedPort, idem, oneLine, parsed } from './run-cli.ts';

interface Report {
  database: string;
  dialect: string;
  schema: string | null;
  applied: number[];
  version: number;
}

const versionsUpTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Four runs at once: all succeed, the migrations are applied exactly once between them. */
function expectAppliedOnce(results: CliResult[]) {
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  const reports = results.map((r) => parsed<Report>(r));
  const version = reports[0]!.version;
  expect(version).toBeGreaterThanOrEqual(2);
  expect(new Set(reports.map((r) => r.version))).toEqual(new Set([version]));
  expect(reports.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual(versionsUpTo(version));
  expect(reports.filter((r) => r.applied.length > 0)).toHaveLength(1);
}

describe('idem migrate on PostgreSQL', () => {
  const databases: TestPostgres[] = [];
  const fresh = async () => {
    const db = await createTestPostgres();
    databases.push(db);
    return db;
  };
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()));
  });

  it("creates idem's tables on a fresh database, then finds nothing to do", async () => {
    const db = await fresh();
    const first = await idem(['migrate', '--database', db.url]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^Applied idem migrations 1, 2(, \d+)* to postgres:\/\/.*: schema version \d+\.\n$/,
    );
    expect(first.stderr).toBe('');
    const tables = await db.pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'idem_%' ORDER BY table_name`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['idem_audit', 'idem_events', 'idem_keys', 'idem_migrations']),
    );

    const second = await idem(['migrate', '--json'], { DATABASE_URL: db.url });
    expect(second.code, second.stderr).toBe(0);
    const report = parsed<Report>(second);
    expect(report).toMatchObject({ dialect: 'postgresql', applied: [], schema: null });
    const recorded = await db.pool.query<{ version: number }>(
      'SELECT version FROM idem_migrations ORDER BY version',
    );
    expect(recorded.rows.map((r) => Number(r.version))).toEqual(versionsUpTo(report.version));

    const text = await idem(['migrate'], {
      IDEM_DATABASE_URL: db.url,
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Nothing to apply: idem's schema in`);
    expect(text.stdout).toContain(`is at version ${report.version}.`);
  });

  it('applies the migrations once when four processes run at once', async () => {
    const db = await fresh();
    const runs = await Promise.all([1, 2, 3, 4].map(() => idem(['migrate', '--database', db.url, '--json'])));
    expectAppliedOnce(runs);
  });

  it('puts the tables in the schema named by --schema', async () => {
    const db = await fresh();
    const run = await idem(['migrate', '--database', db.url, '--schema', 'idem_cli', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(parsed<Report>(run).schema).toBe('idem_cli');
    const tables = await db.pool.query<{ table_schema: string }>(
      `SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'idem_keys'`,
    );
    expect(tables.rows.map((r) => r.table_schema)).toEqual(['idem_cli']);
  });

  it('refuses a database whose idem schema is newer, and leaves it untouched', async () => {
    const db = await fresh();
    expect((await idem(['migrate', '--database', db.url])).code).toBe(0);
    await db.pool.query(
      `INSERT INTO idem_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', 'now')`,
    );
    const run = await idem(['migrate', '--database', db.url]);
    expect(run.code).toBe(8);
    expect(oneLine(run)).toMatch(
      /^idem: postgres:\/\/.*: this database's idem schema is at version 999, newer than this idem/,
    );
    expect(run.stdout).toBe('');
  });

  it('says in one line when the server is not there, or the database does not exist', async () => {
    const port = await closedPort();
    const down = await idem(['migrate', '--database', `postgres://postgres:secret@127.0.0.1:${port}/test`]);
    expect(down.code).toBe(3);
    expect(oneLine(down)).toBe(
      `idem: cannot reach the database at postgres://postgres:***@127.0.0.1:${port}/test (ECONNREFUSED)`,
    );

    const url = new URL((await fresh()).url);
    url.pathname = '/idem_no_such_database';
    const missing = await idem(['migrate', '--database', url.toString(), '--json']);
    expect(missing.code).toBe(3);
    const error = JSON.parse(oneLine(missing)) as {
      error: { code: string; exitCode: number; message: string };
    };
    expect(error.error).toMatchObject({ code: 'unreachable', exitCode: 3 });
    expect(error.error.message).toContain('database "idem_no_such_database" does not exist');
  });
});

describe('idem migrate on SQLite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'idem-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const tablesOf = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return (
        db
          .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'idem_%' ORDER BY name`)
          .all() as {
          name: string;
        }[]
      ).map((r) => r.name);
    } finally {
      db.close();
    }
  };

  it('creates the file and its tables from a file: URL, then finds nothing to do', async () => {
    const file = join(dir, 'fresh.db');
    const first = await idem(['migrate', '--database', `file:${file}`, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const report = parsed<Report>(first);
    expect(report).toMatchObject({ dialect: 'sqlite', database: file });
    expect(report.applied).toEqual(versionsUpTo(report.version));
    expect(tablesOf(file)).toEqual(
      expect.arrayContaining(['idem_audit', 'idem_events', 'idem_keys', 'idem_migrations']),
    );

    const second = await idem(['migrate', '--database', `file:${file}`]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(
      `Nothing to apply: idem's schema in ${file} is at version ${report.version}.\n`,
    );
  });

  it('takes a bare .db path, relative ones too', async () => {
    const run = await idem(['migrate', '--database', join(dir, 'plain.db')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Applied idem migrations 1, 2/);
    expect(tablesOf(join(dir, 'plain.db'))).toContain('idem_keys');
  });

  it('applies the migrations once when four processes run at once', async () => {
    const file = join(dir, 'concurrent.db');
    const runs = await Promise.all([1, 2, 3, 4].map(() => idem(['migrate', '--database', file, '--json'])));
    expectAppliedOnce(runs);
  });

  it('refuses a file whose idem schema is newer', async () => {
    const file = join(dir, 'newer.db');
    expect((await idem(['migrate', '--database', file])).code).toBe(0);
    const db = new Database(file);
    db.prepare(
      `INSERT INTO idem_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', 'now')`,
    ).run();
    db.close();
    const run = await idem(['migrate', '--database', file]);
    expect(run.code).toBe(8);
    expect(oneLine(run)).toContain('newer than this idem');
  });

  it('says in one line when the folder does not exist', async () => {
    const run = await idem(['migrate', '--database', join(dir, 'missing', 'app.db')]);
    expect(run.code).toBe(3);
    expect(oneLine(run)).toBe(
      `idem: cannot open the SQLite file ${join(dir, 'missing', 'app.db')}: its folder does not exist`,
    );
  });
});

describe('idem migrate: bad arguments', () => {
  it('needs a database', async () => {
    const run = await idem(['migrate']);
    expect(run.code).toBe(2);
    expect(oneLine(run)).toBe(
      'idem: no database: pass --database <url> or set IDEM_DATABASE_URL (or DATABASE_URL)',
    );
  });

  it('refuses a URL it cannot tell the database of, without printing its password', async () => {
    const run = await idem(['migrate', '--database', 'mysql://root:hunter2@db/app']);
    expect(run.code).toBe(2);
    expect(oneLine(run)).toContain('cannot tell the database from "mysql://root:***@db/app"');
    expect(run.stderr).not.toContain('hunter2');
  });

  it('takes --schema for PostgreSQL only', async () => {
    const run = await idem(['migrate', '--database', 'file:/tmp/x.db', '--schema', 'idem']);
    expect(run.code).toBe(2);
    expect(oneLine(run)).toBe('idem: --schema applies to PostgreSQL only');
  });

  it('refuses an unknown option', async () => {
    const run = await idem(['migrate', '--databse', 'x.db']);
    expect(run.code).toBe(2);
    expect(oneLine(run)).toBe("idem: unknown option '--databse' (Did you mean --database?)");
  });
});
