// `idem migrate`: brings idem's own tables up to this version's schema, through @idem/core's migrate() on a
// node-postgres Pool or a better-sqlite3 Database. Core takes a lock (an advisory lock on PostgreSQL, an
// immediate transaction on SQLite), so deploy scripts on several machines may all run it at once: one applies,
// the others wait and find nothing to do.
import { migrate as migratePostgres } from '@idem/core/pg';
import { migrate as migrateSqlite } from '@idem/core/sqlite';
import { CliError } from '../cli-error.ts';
import { databaseFailure } from '../database-errors.ts';
import { type DatabaseTarget, databaseTarget, describeTarget } from '../database-url.ts';
import type { Output } from '../output.ts';

export interface MigrateOptions {
  database?: string;
  schema?: string;
}

/** What `idem migrate --json` prints. */
export interface MigrateReport {
  database: string;
  dialect: DatabaseTarget['dialect'];
  schema: string | null;
  /** Versions this run applied, oldest first; empty when the schema was already current. */
  applied: number[];
  /** The schema version the database is at now. */
  version: number;
}

/** Waiting longer than this for a connection means the server is not answering, not that it is busy. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A database driver the app has, or one clear line saying which to install. */
async function driver<T>(name: 'pg' | 'better-sqlite3', load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND')
      throw new CliError(
        'usage',
        `idem migrate needs the ${name} package for this database: npm install ${name}`,
      );
    throw error;
  }
}

async function migratePostgresUrl(url: string, schema: string | undefined) {
  const { default: pg } = await driver('pg', () => import('pg'));
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client whose server goes away emits 'error' on the pool; the failing query reports it instead.
  pool.on('error', () => {});
  try {
    return await migratePostgres(pool, schema === undefined ? {} : { schema });
  } finally {
    await pool.end().catch(() => {});
  }
}

async function migrateSqliteFile(file: string) {
  const { default: Database } = await driver('better-sqlite3', () => import('better-sqlite3'));
  const database = new Database(file);
  try {
    return await migrateSqlite(database);
  } finally {
    database.close();
  }
}

export async function migrateCommand(
  options: MigrateOptions,
  context: { databaseUrl: string | undefined; cwd: string; out: Output },
): Promise<void> {
  const url = options.database ?? context.databaseUrl;
  if (url === undefined)
    throw new CliError(
      'usage',
      'no database: pass --database <url> or set IDEM_DATABASE_URL (or DATABASE_URL)',
    );
  const target = databaseTarget(url, context.cwd);
  if (options.schema !== undefined && target.dialect !== 'postgresql')
    throw new CliError('usage', '--schema applies to PostgreSQL only');
  const where = describeTarget(target);

  let result: Awaited<ReturnType<typeof migratePostgresUrl>>;
  try {
    result =
      target.dialect === 'postgresql'
        ? await migratePostgresUrl(target.url, options.schema)
        : await migrateSqliteFile(target.file);
  } catch (error) {
    throw databaseFailure(error, where);
  }

  const report: MigrateReport = {
    database: where,
    dialect: target.dialect,
    schema: options.schema ?? null,
    applied: [...result.applied],
    version: result.version,
  };
  const { out } = context;
  const c = out.color;
  const inSchema = options.schema === undefined ? '' : ` (schema ${options.schema})`;
  out.data(report);
  if (report.applied.length === 0)
    out.text(
      `${c.dim('Nothing to apply:')} idem's schema in ${where}${inSchema} is at version ${report.version}.`,
    );
  else
    out.text(
      `${c.green('Applied')} idem migration${report.applied.length === 1 ? '' : 's'} ${report.applied.join(', ')} to ${where}${inSchema}: schema version ${report.version}.`,
    );
}
