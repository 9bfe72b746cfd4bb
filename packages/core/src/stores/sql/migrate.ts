// Brings idem's tables up to the schema this code expects, through whichever client the application has. Safe to
// run on every start and from many processes at once: on PostgreSQL everything happens in one transaction that
// first takes an advisory lock, on SQLite in one immediate (write-locked) transaction; the second process waits,
// then finds nothing to do. A database whose idem schema is newer than this code is refused, not touched.
import { sha256 } from '#digest';
import { IdemError } from '../../errors.ts';
import { compile, quoteIdent } from './dialect.ts';
import type { SqlDriver } from './driver.ts';
import { statementsOf } from './driver.ts';
import { type Migration, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations.ts';

export interface MigrateOptions {
  /** PostgreSQL only: the schema idem's tables live in (created if missing). Default: the search_path's first. */
  schema?: string;
}

export interface MigrateResult {
  /** Versions applied by this run, oldest first. */
  readonly applied: readonly number[];
  /** The schema version the database is at now. */
  readonly version: number;
}

/** A fixed advisory lock id for idem's migrations ("idem" in ASCII). */
const ADVISORY_LOCK = 0x6964656d;

/** The migrations of a dialect. */
export function migrationsOf(dialect: 'postgresql' | 'sqlite'): readonly Migration[] {
  return dialect === 'postgresql' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS;
}

const checksum = (m: Migration): string => sha256(m.sql);

export async function migrateSql<Tx>(
  driver: SqlDriver<Tx>,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const d = driver.dialect;
  const migrations = migrationsOf(d.name);
  const latest = migrations.at(-1)?.version ?? 0;
  const run = (on: ReturnType<SqlDriver<Tx>['within']>, sql: string, args: unknown[] = []) =>
    on.query<Record<string, unknown>>(compile(d, sql), args);

  return driver.transaction(async (tx) => {
    const on = driver.within(tx);
    if (d.name === 'postgresql') {
      await run(on, 'SELECT pg_advisory_xact_lock($1::int8)', [ADVISORY_LOCK]);
      if (options.schema) {
        await run(on, `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
        await run(on, `SET LOCAL search_path TO ${quoteIdent(options.schema)}`);
      }
    }
    await run(
      on,
      `CREATE TABLE IF NOT EXISTS idem_migrations (
        version INTEGER NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        checksum TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`,
    );
    const rows = (await run(on, 'SELECT version, name, checksum FROM idem_migrations ORDER BY version')) as {
      version: number | bigint;
      name: string;
      checksum: string;
    }[];
    const done = new Map(rows.map((r) => [Number(r.version), r]));
    const newest = Math.max(0, ...done.keys());
    if (newest > latest) {
      throw new IdemError(
        'SCHEMA_TOO_NEW',
        `this database's idem schema is at version ${newest}, newer than this idem (${latest}); upgrade idem before using it`,
        { databaseVersion: newest, codeVersion: latest },
      );
    }
    for (const m of migrations) {
      const recorded = done.get(m.version);
      if (recorded !== undefined && recorded.checksum !== checksum(m)) {
        throw new IdemError(
          'SCHEMA_MODIFIED',
          `idem migration ${m.version} (${m.name}) differs from the one applied to this database`,
          { version: m.version },
        );
      }
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const statement of statementsOf(m.sql)) await run(on, statement);
      await run(
        on,
        'INSERT INTO idem_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)',
        [m.version, m.name, checksum(m), new Date().toISOString()],
      );
      applied.push(m.version);
    }
    return { applied, version: Math.max(newest, ...applied) };
  });
}
