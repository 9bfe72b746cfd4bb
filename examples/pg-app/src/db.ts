// The app's PostgreSQL: idem's tables, migrated by idem (its own history in idem_migrations, an advisory lock so
// many processes may start at once), and the app's own table, which is the app's business.
import { migrate } from '@idem/core/pg';
import pg from 'pg';

export async function openDatabase(url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection that loses its server is replaced at the next query; it must not crash the process.
  pool.on('error', (error) => console.error('[pg-app] idle database connection lost:', error.message));
  const { applied, version } = await migrate(pool);
  console.log(
    `[pg-app] idem schema at version ${version}${applied.length > 0 ? ` (applied ${applied.join(', ')})` : ''}`,
  );
  await pool.query(`
    CREATE TABLE IF NOT EXISTS payments (
      id BIGSERIAL PRIMARY KEY,
      caller TEXT NOT NULL,
      customer TEXT NOT NULL,
      amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
      currency TEXT NOT NULL,
      refunded_cents INTEGER NOT NULL DEFAULT 0,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
  return pool;
}
