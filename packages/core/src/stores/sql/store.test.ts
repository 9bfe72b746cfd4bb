import { migrate as migratePg } from '../../pg.ts';
import { migrate as migrateSqlite } from '../../sqlite.ts';
import { createTestPostgres, createTestSqlite } from '@idem/testing';
import { describe, expect, it } from 'vitest';
import {
  adminConformance,
  type ConformanceHarness,
  storeConformance,
  untilStoreTime,
} from '../../conformance/index.ts';
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

describe('sql store: a takeover decided just before the key expired', () => {
  it('K7: a lease takeover that lands after the key expired runs it fresh, with a new retention', async () => {
    const database = await createTestPostgres({ migrate: migratePg });
    const store = pgStore({ pool: database.pool, listen: false });
    const policy = { ...input.policy, ttlMs: 1_000, leaseMs: 60 };
    const first = await store.begin({ ...input, policy });
    if (first.answer.kind !== 'execute') throw new Error('expected execute');
    const expiresAt = first.answer.record.expiresAt!;
    // The same pool, except that the first takeover statement reaches the database only once the key has expired:
    // the read before it saw an expired lease on an unexpired key.
    let held = false;
    const late = pgStore({
      listen: false,
      pool: {
        connect: () => database.pool.connect(),
        async query(config) {
          if (!held && config.text.includes('fence = fence + 1')) {
            held = true;
            await untilStoreTime(store, expiresAt + 5);
          }
          return database.pool.query(config);
        },
      },
    });
    try {
      await untilStoreTime(store, first.now + 70);
      const again = await late.begin({ ...input, policy });
      expect(held).toBe(true);
      expect(again.answer.kind === 'execute' && again.answer.reason).toBe('key_expired');
      // Taken over as lease_expired, the key kept its old expiry: completed, it would be gone at once (K7).
      expect(again.answer.record.expiresAt).toBeGreaterThan(again.now);
    } finally {
      await late.close();
      await store.close();
      await database.drop();
    }
  });
});
