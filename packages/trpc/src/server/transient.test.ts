// isTransientDatabaseError decides between "503, key released, retry runs" and "stored outcome, replayed
// forever", so it is held to the errors real drivers throw: a PostgreSQL backend terminated under a transaction
// (the outage suite's case), a server nobody listens on, and, on the other side, errors a retry cannot cure.
import { type Database, openDatabase } from '@idem/db';
import { createTestDatabase, type TestDatabase } from '@idem/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransientDatabaseError } from './transient.ts';

type PostgresDatabase = Extract<Database, { provider: 'postgresql' }>;
type SqliteDatabase = Extract<Database, { provider: 'sqlite' }>;

function postgres(db: Database): PostgresDatabase {
  if (db.provider !== 'postgresql') throw new Error(`expected PostgreSQL, got ${db.provider}`);
  return db;
}

function sqlite(db: Database): SqliteDatabase {
  if (db.provider !== 'sqlite') throw new Error(`expected SQLite, got ${db.provider}`);
  return db;
}

async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the work to fail');
}

describe('isTransientDatabaseError on PostgreSQL', () => {
  let database: TestDatabase;
  let db: PostgresDatabase;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    db = postgres(await database.open());
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.prisma.$disconnect();
    await database?.drop();
  });

  it('K11: every error from a transaction whose backend was terminated is transient', async () => {
    // Which error the driver reports depends on when it notices (57P01, "Connection terminated unexpectedly",
    // "not queryable", P2039 with the adapter's error in meta): several rounds meet several of them.
    const seen: unknown[] = [];
    for (let round = 0; round < 6; round++) {
      const failure = await caught(() =>
        db.prisma.$transaction(async (tx) => {
          const [backend] = await tx.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [backend!.pid]);
          for (let i = 0; i < 3; i++) {
            seen.push(await caught(() => tx.usageRecord.count()));
          }
          await tx.usageRecord.count();
        }),
      );
      seen.push(failure);
    }
    expect(seen.length).toBe(24);
    expect(seen.filter((error) => !isTransientDatabaseError(error)).map(String)).toEqual([]);
    // The pool gives the next request a working connection: nothing here needed a restart.
    expect(await db.prisma.usageRecord.count()).toBe(0);
  });

  it('a database nobody listens on is transient', async () => {
    const url = new URL(database.url);
    url.port = '1'; // privileged and unused: the connection is refused at once
    const down = await openDatabase({ url: url.toString(), migrate: false }).catch((error: unknown) => error);
    const error =
      down instanceof Error
        ? down
        : await caught(() => postgres(down as Database).prisma.$queryRawUnsafe('SELECT 1'));
    if (!(down instanceof Error)) await postgres(down as Database).prisma.$disconnect();
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it('errors a retry cannot cure are not transient: a unique violation, a missing row, a plain bug', async () => {
    const row = {
      id: 'usage_transient_1',
      owner: 'acct_1',
      orderId: 'ord_1',
      internalUsageId: 'u-1',
      quantity: 1,
      occurredAt: '2026-11-27T00:00:00Z',
      createdAt: new Date(),
    };
    await db.prisma.usageRecord.create({ data: row });
    const duplicate = await caught(() => db.prisma.usageRecord.create({ data: row }));
    const missing = await caught(() =>
      db.prisma.usageRecord.update({ where: { id: 'usage_absent' }, data: { quantity: 2 } }),
    );
    expect(isTransientDatabaseError(duplicate)).toBe(false);
    expect(isTransientDatabaseError(missing)).toBe(false);
    expect(isTransientDatabaseError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientDatabaseError(null)).toBe(false);
  });
});

describe('isTransientDatabaseError on SQLite', () => {
  it('a file another connection holds locked past the busy timeout is transient', async () => {
    const database = await createTestDatabase('sqlite');
    const a = sqlite(await database.open());
    const b = sqlite(await database.open());
    try {
      await a.prisma.$executeRawUnsafe('PRAGMA busy_timeout = 0');
      await b.prisma.$executeRawUnsafe('PRAGMA busy_timeout = 0');
      const error = await caught(() =>
        a.prisma.$transaction(async (tx) => {
          await tx.usageRecord.count();
          await tx.$executeRawUnsafe(
            `INSERT INTO usage_records (id, owner, order_id, internal_usage_id, quantity, occurred_at, created_at)
             VALUES ('u1', 'o', 'ord', 'iu', 1, 'now', 0)`,
          );
          await b.prisma.$executeRawUnsafe(
            `INSERT INTO usage_records (id, owner, order_id, internal_usage_id, quantity, occurred_at, created_at)
             VALUES ('u2', 'o', 'ord', 'iu2', 1, 'now', 0)`,
          );
        }),
      );
      expect(isTransientDatabaseError(error)).toBe(true);
    } finally {
      await a.prisma.$disconnect();
      await b.prisma.$disconnect();
      await database.drop();
    }
  });
});
