import { migrate as migratePg } from '../../pg.ts';
import { migrate as migrateSqlite } from '../../sqlite.ts';
import { createTestPostgres, createTestSqlite } from '@idem/testing';
import { describe, expect, it } from 'vitest';
import { adminConformance, type ConformanceHarness, storeConformance } from '../../conformance/index.ts';
import { fingerprint } from '../../fingerprint.ts';
import type { BeginInput } from '../../key-machine.ts';
import { pgStore } from '../../pg.ts';
import { sqliteStore } from '../../sqlite.ts';

// The store contract on databases prepared only by idem's own migrations, through the clients users have:
// a node-postgres Pool and a better-sqlite3 Database. (The Prisma client passes the same suites in apps/api,
// which has a generated client.)
const openPg = async (): Promise<ConformanceHarness> => {
  const database = await createTestPostgres({ migrate: migratePg, max: 6 });
  const store = pgStore({ pool: database.pool });
  return {
    store,
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
};
storeConformance('pg Pool', openPg);
adminConformance('pg Pool', openPg);

const openSqlite = async (): Promise<ConformanceHarness> => {
  const database = await createTestSqlite({ migrate: migrateSqlite });
  const store = sqliteStore({ database: database.database });
  return {
    store,
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
};
storeConformance('better-sqlite3', openSqlite);
adminConformance('better-sqlite3', openSqlite);

const input: BeginInput = {
  scope: 's',
  procedure: 'p',
  kind: 'key',
  key: 'k',
  fingerprint: fingerprint({ value: { a: 1 } }),
  policy: { name: 't', ttlMs: 60_000, leaseMs: 60_000, onMismatch: 'conflict' },
  requestId: null,
  leaseOwner: 'one',
  requestPayload: null,
  naturalId: null,
};

describe('pg store: waking waiters in other processes', () => {
  it('K4: a duplicate waiting through another pool wakes on NOTIFY, long before its timeout', async () => {
    const database = await createTestPostgres({ migrate: migratePg });
    const holder = pgStore({ pool: database.pool, listen: false });
    const waiter = pgStore({ pool: database.newPool(3) });
    try {
      const claimed = await holder.begin(input);
      if (claimed.answer.kind !== 'execute') throw new Error('expected execute');
      const seen = (await waiter.get(input))!;
      const started = Date.now();
      const waiting = waiter.waitForChange(input, seen, 30_000);
      const record = claimed.answer.record;
      await holder.complete(
        { ...input, id: record.id, fence: record.fence },
        { ok: true, status: 200, body: '{}' },
        { notify: true },
      );
      await waiting;
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await holder.close();
      await waiter.close();
      await database.drop();
    }
  });
});
