import { createPgChangeFeed, createPgSqlClient } from '@idem/db';
import { createTestDatabase } from '@idem/db/testing';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../fingerprint.ts';
import { adminConformance, type ConformanceHarness, storeConformance } from '../conformance/index.ts';
import { createSqlStore } from './sql-store.ts';

for (const provider of ['sqlite', 'postgresql'] as const) {
  const open = async (): Promise<ConformanceHarness> => {
    const database = await createTestDatabase(provider);
    const db = await database.open();
    const store = createSqlStore({ client: db.prisma, dialect: provider });
    return {
      store,
      close: async () => {
        await store.close();
        await db.prisma.$disconnect();
        await database.drop();
      },
    };
  };
  storeConformance(`prisma on ${provider}`, open);
  adminConformance(`prisma on ${provider}`, open);
}

// The same store over node-postgres directly (what the API uses on PostgreSQL for speed): the same contract.
const openPg = async (): Promise<ConformanceHarness> => {
  const database = await createTestDatabase('postgresql');
  const db = await database.open();
  await db.prisma.$disconnect();
  const client = createPgSqlClient({ url: database.url, max: 4 });
  const store = createSqlStore({ client, dialect: 'postgresql' });
  return {
    store,
    close: async () => {
      await store.close();
      await client.$disconnect();
      await database.drop();
    },
  };
};
storeConformance('sql store on node-postgres', openPg);
adminConformance('sql store on node-postgres', openPg);

describe('prisma on postgresql: waking waiters in other processes', () => {
  it('K4: a duplicate waiting through another store instance wakes on NOTIFY, long before its timeout', async () => {
    const database = await createTestDatabase('postgresql');
    const one = await database.open();
    const two = await database.open();
    const feed = await createPgChangeFeed({ url: database.url });
    try {
      const holder = createSqlStore({ client: one.prisma, dialect: 'postgresql' });
      const waiter = createSqlStore({ client: two.prisma, dialect: 'postgresql', changeFeed: feed });
      const input = {
        scope: 's',
        procedure: 'p',
        key: 'k',
        fingerprint: fingerprint({ value: { a: 1 } }),
        policy: { name: 't', ttlMs: 60_000, leaseMs: 60_000, onMismatch: 'conflict' as const },
        requestId: null,
        leaseOwner: 'one',
        requestPayload: null,
        naturalId: null,
      };
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
      await feed.close();
      await one.prisma.$disconnect();
      await two.prisma.$disconnect();
      await database.drop();
    }
  });
});
