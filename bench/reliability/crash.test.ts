// K11: kill -9 of an API process in the middle of a mutation. The key it held comes back after its lease (a
// short one: IDEM_LEASE_MS), and in transactional mode nothing half-written remains: every business row belongs
// to a key whose outcome was stored in the same transaction, and retries finish every request exactly once.
import { createTestDatabase, type TestDatabase } from '@idem/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcess } from './lib/api-processes.ts';
import { type RawResponse, rawSend } from './lib/raw-http.ts';
import { SIZE } from './lib/size.ts';
import { openSql, type Sql } from './lib/sql.ts';
import { triggerRequest, usageRequest } from './lib/storm.ts';
import { mapLimit, until } from './lib/wait.ts';

describe('kill -9 of an API process mid-mutation', () => {
  let database: TestDatabase;
  let db: Sql;
  let survivor: ApiProcess;
  const victims: ApiProcess[] = [];

  const start = (): Promise<ApiProcess> =>
    startApiProcess({ databaseUrl: database.url, leaseMs: SIZE.leaseMs });
  const keyRow = async (key: string) =>
    (
      await db.query<{ status: string; fence: number; lease_live: boolean }>(
        'SELECT status, fence, lease_expires_at > now() AS lease_live FROM idem_keys WHERE "key" = $1',
        key,
      )
    )[0];

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    const opened = await database.open();
    await opened.prisma.$disconnect();
    if (opened.provider === 'postgresql') await opened.pool.end();
    db = await openSql(database.url);
    survivor = await start();
  }, 120_000);
  afterAll(async () => {
    await Promise.all([survivor, ...victims].filter(Boolean).map((a) => a.stop()));
    await db?.close();
    await database?.drop();
  });

  it('K11: a key held by a killed process is refused while its lease runs, then runs exactly once after it', async () => {
    const victim = await start();
    victims.push(victim);
    const key = `crash-held-${crypto.randomUUID()}`;
    const subscriber = `sub-${key}`;
    const request = triggerRequest(key, subscriber);
    // The demo delay holds the request after its key is claimed: the process dies holding it.
    const held = rawSend(victim.url, {
      ...request,
      headers: [...request.headers!, ['x-demo-delay-ms', '10000']],
    });
    held.catch(() => {});
    await until('the key in flight', async () => (await keyRow(key))?.status === 'in_flight');
    await victim.kill9();

    const during = await rawSend(survivor.url, request);
    expect((await keyRow(key))?.lease_live).toBe(true);
    expect(during.status).toBe(409);
    expect(during.json).toMatchObject({ error: { code: 'IDEMPOTENCY_IN_FLIGHT' } });
    expect(during.headers['retry-after']).toBeDefined();

    // The database's clock decides when the lease has ended, not ours.
    await until(
      'the lease to end',
      async () => (await keyRow(key))?.lease_live === false,
      SIZE.leaseMs + 10_000,
    );
    const after = await rawSend(survivor.url, request);
    expect(after.status).toBe(201);
    expect(await keyRow(key)).toMatchObject({ status: 'completed', fence: 2 });
    const rows = await db.query<{ id: string }>(
      'SELECT id FROM workflow_runs WHERE subscriber_id = $1',
      subscriber,
    );
    expect(rows).toHaveLength(1);
    expect(after.json).toMatchObject({ data: { transactionId: rows[0]!.id } });
  }, 120_000);

  it('K11: killed under load, no half-written row remains and retries finish every request exactly once', async () => {
    const victim = await start();
    victims.push(victim);
    const tag = `crash-load-${crypto.randomUUID()}`;
    const total = SIZE.crashLoadRequests;
    const requests = Array.from({ length: total }, (_, i) => ({
      key: `${tag}-${i}`,
      usageId: `${tag}-${i}`,
    }));
    const answered = new Map<string, RawResponse>();
    let next = 0;
    let killed = false;
    // Sixteen writers keep the victim busy inside its transactions; the kill lands wherever they are.
    const writers = Array.from({ length: 16 }, async () => {
      while (next < total && !killed) {
        const r = requests[next++]!;
        try {
          answered.set(r.key, await rawSend(victim.url, usageRequest(r.key, r.usageId)));
        } catch {
          // The connection died with the process: this request's fate is for the retry to settle.
        }
        if (answered.size >= total / 3 && !killed) {
          killed = true;
          await victim.kill9();
        }
      }
    });
    await Promise.all(writers);
    expect(killed).toBe(true);

    // Right after the crash: every business row belongs to a key completed in the same transaction, with the
    // row's id in its stored outcome. A row without that would be half-written.
    const orphans = await db.query(
      `SELECT u.id FROM usage_records u
       LEFT JOIN idem_keys k ON k."key" = u.internal_usage_id AND k.status = 'completed' AND k.outcome_body LIKE '%' || u.id || '%'
       WHERE u.internal_usage_id LIKE $1 AND k.id IS NULL`,
      `${tag}-%`,
    );
    expect(orphans).toEqual([]);
    const inFlight = await db.query<{ key: string }>(
      `SELECT "key" FROM idem_keys WHERE "key" LIKE $1 AND status = 'in_flight'`,
      `${tag}-%`,
    );
    // The kill did land mid-mutation: the dead process left keys claimed and never completed.
    expect(inFlight.length).toBeGreaterThan(0);

    // Once the dead holder's leases end, retrying everything on the survivor settles every request once.
    await until(
      'the dead holder leases to end',
      async () =>
        (
          await db.query(
            `SELECT 1 FROM idem_keys WHERE "key" LIKE $1 AND lease_expires_at > now() LIMIT 1`,
            `${tag}-%`,
          )
        ).length === 0,
      SIZE.leaseMs + 10_000,
    );
    const retried = await mapLimit(requests, 32, (r) =>
      rawSend(survivor.url, usageRequest(r.key, r.usageId)),
    );
    expect(retried.map((r) => r.status)).toEqual(requests.map(() => 201));
    for (const [i, r] of requests.entries()) {
      const first = answered.get(r.key);
      // What the victim answered before dying is what the retry replays, byte for byte (K2).
      if (first?.status === 201) expect(retried[i]!.body).toBe(first.body);
    }
    const counts = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM usage_records WHERE internal_usage_id LIKE $1 GROUP BY internal_usage_id',
      `${tag}-%`,
    );
    expect(counts).toHaveLength(total);
    expect(counts.every((r) => r.n === 1)).toBe(true);
    console.log(
      `[reliability] kill -9 under load: ${answered.size}/${total} answered before the kill, ` +
        `${inFlight.length} keys left in flight by the dead process, all ${total} settled once after retry`,
    );
  }, 300_000);
});
