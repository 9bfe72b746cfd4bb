// The two SQL dialects the SQL store speaks. Statements are written once with PostgreSQL's $n
// placeholders; for SQLite they are rewritten to `?` with the arguments reordered, since better-sqlite3 (through
// Prisma's adapter) takes positional parameters only. Times: PostgreSQL keeps timestamptz and the store reads
// them as epoch milliseconds; SQLite keeps integer epoch milliseconds. Either way the database's clock writes them.

export type SqlDialect = 'sqlite' | 'postgresql';

export interface Dialect {
  readonly name: SqlDialect;
  /** The database's current time, as a value for a time column. */
  readonly now: string;
  /** The database's current time in epoch milliseconds, as a number column. */
  readonly nowMs: string;
  /** A time column read as epoch milliseconds. */
  ms(column: string): string;
  /** now() plus a millisecond count given as parameter `$n`. */
  nowPlus(param: string): string;
  /** A time from epoch milliseconds given as parameter `$n`. */
  fromMs(param: string): string;
  /** A parameter used where its type must be known (PostgreSQL cannot infer some). */
  typed(param: string, type: 'text' | 'int' | 'bigint' | 'float' | 'bool'): string;
  /** Appended to a purge's inner SELECT: lets writers go on past rows another purge holds. */
  readonly skipLocked: string;
}

const POSTGRES_TYPES = { text: 'text', int: 'int4', bigint: 'int8', float: 'float8', bool: 'bool' } as const;

export const postgres: Dialect = {
  name: 'postgresql',
  now: 'now()',
  nowMs: '(extract(epoch from now()) * 1000)::float8',
  ms: (column) => `(extract(epoch from ${column}) * 1000)::float8`,
  nowPlus: (param) => `(now() + ${param}::float8 * interval '1 millisecond')`,
  fromMs: (param) => `to_timestamp(${param}::float8 / 1000.0)`,
  typed: (param, type) => `${param}::${POSTGRES_TYPES[type]}`,
  skipLocked: 'FOR UPDATE SKIP LOCKED',
};

const SQLITE_NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

export const sqlite: Dialect = {
  name: 'sqlite',
  now: SQLITE_NOW,
  nowMs: SQLITE_NOW,
  ms: (column) => column,
  nowPlus: (param) => `(${SQLITE_NOW} + ${param})`,
  fromMs: (param) => param,
  typed: (param) => param,
  skipLocked: '',
};

/** A statement compiled for one dialect: its text and how to order the arguments. */
export interface Statement {
  readonly sql: string;
  readonly order: readonly number[] | null;
  /** Run often with other values: worth preparing once per connection (PostgreSQL). */
  readonly prepared: boolean;
}

/** Compiles `$n` placeholders for the dialect (identity for PostgreSQL). */
export function compile(dialect: Dialect, sql: string, options: { prepared?: boolean } = {}): Statement {
  const prepared = options.prepared ?? false;
  if (dialect.name === 'postgresql') return { sql, order: null, prepared };
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { sql: text, order, prepared };
}

/** Arguments in the order a compiled statement expects. */
export function bind(statement: Statement, args: readonly unknown[]): unknown[] {
  return statement.order === null ? [...args] : statement.order.map((i) => args[i]);
}

/** idem's tables, as statements name them: plain, or qualified by a PostgreSQL schema. */
export interface Tables {
  readonly keys: string;
  readonly events: string;
  readonly audit: string;
  readonly jobs: string;
  readonly adminState: string;
  readonly requests: string;
  readonly migrations: string;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The table names for an optional PostgreSQL schema (SQLite has none). */
export function tables(schema?: string): Tables {
  const q = (table: string) => (schema ? `${quoteIdent(schema)}.${table}` : table);
  return {
    keys: q('idem_keys'),
    events: q('idem_events'),
    audit: q('idem_audit'),
    jobs: q('idem_jobs'),
    adminState: q('idem_admin_state'),
    requests: q('idem_requests'),
    migrations: q('idem_migrations'),
  };
}

export { quoteIdent };
