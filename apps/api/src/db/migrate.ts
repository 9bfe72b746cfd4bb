// Applies the demo domain's SQL migrations, committed under apps/api/prisma/<provider>/migrations, offline.
// idem's own tables are not among them: idem migrates those itself (idem migrate), in its own history table.
//
// Why not `prisma migrate deploy`: Prisma's CLI downloads a native schema engine before any command, and these
// machines (and many CI sandboxes) have no network for it. The migrations are kept in Prisma's own folder
// format and recorded in Prisma's own `_prisma_migrations` table with Prisma's checksum (SHA-256 of the file),
// so wherever the CLI can reach its engine, `prisma migrate deploy` and `prisma migrate status` agree with us.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type DatabaseTarget, migrationsDir, type Provider } from './target.ts';

/** One migration folder: its name (timestamp_label), SQL text and Prisma checksum. */
export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** What a run did. */
export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** Prisma's advisory lock id, so our runner and `prisma migrate` never migrate one database at once. */
const ADVISORY_LOCK_ID = 72707369;

const SQLITE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const POSTGRES_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Reads one provider's migrations in order. */
export function readMigrations(provider: Provider): Migration[] {
  const dir = migrationsDir(provider);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

// idem 0.1 kept idem's tables and the domain's in these three migrations; a database made then has them
// recorded. The domain's baseline (20261130000000_domain) adopts its tables; idem migrate adopts idem's.
const SUPERSEDED = new Set([
  '20261127000000_key_store',
  '20261127020000_demo_domain',
  '20261127030000_admin',
]);

/** Finds what is left to apply, refusing a database whose history differs from the files. */
function plan(migrations: Migration[], applied: Map<string, string>): Migration[] {
  for (const [name, checksum] of applied) {
    const local = migrations.find((m) => m.name === name);
    if (!local && SUPERSEDED.has(name)) continue;
    if (!local) throw new Error(`database has migration ${name}, which this checkout does not know`);
    if (local.checksum !== checksum) {
      throw new Error(`migration ${name} was edited after it was applied (checksum differs)`);
    }
  }
  return migrations.filter((m) => !applied.has(m.name));
}

function migrateSqlite(file: string, migrations: Migration[]): MigrateResult {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // WAL lets the dashboard read while the API writes; it is a property of the file, so set it once here.
    db.pragma('journal_mode = WAL');
    db.exec(SQLITE_MIGRATIONS_TABLE);
    // BEGIN IMMEDIATE takes the write lock first, so two processes starting together migrate one at a time.
    db.exec('BEGIN IMMEDIATE');
    try {
      const rows = db
        .prepare(
          'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
        )
        .all() as { migration_name: string; checksum: string }[];
      const todo = plan(migrations, new Map(rows.map((r) => [r.migration_name, r.checksum])));
      const record = db.prepare(
        'INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, ?, current_timestamp, ?, 1)',
      );
      for (const m of todo) {
        db.exec(m.sql);
        record.run(randomUUID(), m.checksum, m.name);
      }
      db.exec('COMMIT');
      return { applied: todo.map((m) => m.name), alreadyApplied: rows.length };
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  } finally {
    db.close();
  }
}

async function migratePostgres(url: string, migrations: Migration[]): Promise<MigrateResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_ID]);
    try {
      await client.query(POSTGRES_MIGRATIONS_TABLE);
      const { rows } = await client.query<{ migration_name: string; checksum: string }>(
        'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      const todo = plan(migrations, new Map(rows.map((r) => [r.migration_name, r.checksum])));
      for (const m of todo) {
        // One transaction per migration: PostgreSQL's DDL is transactional, so a failed one leaves nothing.
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(
            'INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)',
            [randomUUID(), m.checksum, m.name],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
      return { applied: todo.map((m) => m.name), alreadyApplied: rows.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_ID]);
    }
  } finally {
    await client.end();
  }
}

/**
 * Brings a database up to the committed schema; safe to call on every start and from many processes at once.
 *
 * @example
 * await migrate(resolveTarget(process.env.DATABASE_URL));
 */
export async function migrate(target: DatabaseTarget): Promise<MigrateResult> {
  const migrations = readMigrations(target.provider);
  return target.provider === 'sqlite'
    ? migrateSqlite(target.file, migrations)
    : migratePostgres(target.url, migrations);
}
