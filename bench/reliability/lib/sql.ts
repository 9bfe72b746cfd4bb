// Plain SQL against a test database, for the harness's own counting: the judge of what ran is the database.
// Goes through node-postgres directly, on a small pool of its own.
import pg from 'pg';

export interface Sql {
  query<T = Record<string, unknown>>(sql: string, ...args: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** The application_name of the harness's own connections, which fault injection leaves alone. */
export const JUDGE_APPLICATION = 'idem-reliability-judge';

export async function openSql(url: string): Promise<Sql> {
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: JUDGE_APPLICATION });
  // An idle client that loses its server (the outage suite stops PostgreSQL) must not end the test process.
  pool.on('error', () => {});
  return {
    query: async <T>(sql: string, ...args: unknown[]) => (await pool.query(sql, args)).rows as T[],
    close: () => pool.end(),
  };
}
