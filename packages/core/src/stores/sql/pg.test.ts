// The node-postgres driver's LISTEN client under connection loss (issue 12: pg_terminate_backend under load). A
// client checked out for the LISTEN and lost before the LISTEN stood must go back to the pool: kept, each such
// loss took one of the store's connections for good, and after a few the process answered nothing.
import { createTestPostgres, type TestPostgres } from '@idem/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgDriver } from './pg.ts';

describe('pgDriver LISTEN', () => {
  let database: TestPostgres;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestPostgres();
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });

  it('K11: a connection terminated before its LISTEN stood is given back to the pool, not held for good', async () => {
    const pool = database.newPool(3);
    // A real pool whose next checkout is a connection whose backend was just terminated, as
    // pg_terminate_backend between the checkout and the LISTEN does.
    let terminateNext = true;
    const faulty = {
      query: pool.query.bind(pool),
      async connect() {
        const client = await pool.connect();
        if (terminateNext) {
          terminateNext = false;
          const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          client.on('error', () => {});
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        }
        return client;
      },
    };
    const driver = pgDriver({ pool: faulty });
    try {
      driver.changeFeed!.subscribe(() => {});
      // Settles once the first attempt has failed (a retry is scheduled a second later).
      await driver.changeFeed!.listening();
      expect(terminateNext).toBe(false);
      expect(pool.totalCount - pool.idleCount).toBe(0);
      // All three connections can be had at once: none is held by the lost LISTEN.
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
      for (const c of clients) c.release();
    } finally {
      await driver.close();
    }
  });
});
