// Several API processes share one PostgreSQL: every guarantee must hold across them. Storms of same-key
// requests are spread over four processes; each key executes exactly once.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../src/db/testing.ts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, uniqueKey } from './harness.ts';

const PROCESSES = 4;
const ROUNDS = 25;
const STORM = 20;

function startApi(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=idem-source', '--import', 'tsx', main], {
    // Four processes, and other suites in parallel: stay well under PostgreSQL's max_connections.
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: databaseUrl,
      IDEM_MODE: 'demo',
      IDEM_PURGE_INTERVAL_MS: '0',
      IDEM_DB_POOL_SIZE: '4',
      IDEM_STORE_POOL_SIZE: '3',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`API process exited (${code}): ${out}`)));
  });
}

describe('four API processes on one PostgreSQL', () => {
  let database: TestDatabase;
  let apis: { child: ChildProcess; url: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    // Migrate once first; the processes then start together (their own migrations are no-ops under the lock).
    const db = await database.open();
    await db.prisma.$disconnect();
    apis = await Promise.all(Array.from({ length: PROCESSES }, () => startApi(database.url)));
  }, 120_000);
  afterAll(async () => {
    for (const api of apis) api.child.kill('SIGTERM');
    await Promise.all(
      apis.map(
        (a) =>
          new Promise((resolve) =>
            a.child.exitCode === null ? a.child.once('exit', resolve) : resolve(null),
          ),
      ),
    );
    await database.drop();
  });

  it(`K4/K9: ${ROUNDS} storms of ${STORM} same-key requests spread over ${PROCESSES} processes → one execution each`, async () => {
    const executions: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const key = uniqueKey('storm');
      const subscriber = `storm-${round}-${key}`;
      const replies = await Promise.all(
        Array.from({ length: STORM }, (_, i) =>
          send(`${apis[i % PROCESSES]!.url}/v1/events/trigger`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-api-key': 'demo-key-a',
              'Idempotency-Key': key,
            },
            body: JSON.stringify({ name: 'welcome', to: { subscriberId: subscriber } }),
          }),
        ),
      );
      for (const r of replies) expect([201, 409]).toContain(r.status);
      executions.push(
        replies.filter((r) => r.status === 201 && r.headers.get('idempotency-replay') === null).length,
      );
      const ids = new Set(
        replies.filter((r) => r.status === 201).map((r) => r.json.data.transactionId as string),
      );
      expect(ids.size).toBe(1);
    }
    expect(executions).toEqual(Array.from({ length: ROUNDS }, () => 1));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM workflow_runs WHERE subscriber_id LIKE 'storm-%'`,
    );
    await client.end();
    expect(Number(rows[0]!.n)).toBe(ROUNDS);
  }, 180_000);

  it('K4: a duplicate waiting in another process wakes on the first one’s completion (wait mode, LISTEN/NOTIFY)', async () => {
    // Natural keys on sales events wait for an in-flight twin; the twin runs on another process.
    const external = uniqueKey('ticket');
    const body = JSON.stringify({ external_id: external, amount: 1 });
    const headers = { 'content-type': 'application/json', 'x-api-key': 'demo-key-a' };
    const first = send(`${apis[0]!.url}/v1/sales-events`, {
      method: 'POST',
      headers: { ...headers, 'x-demo-delay-ms': '1500' },
      body,
    });
    // Start the twin only once the first holds the natural key.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await expect
      .poll(
        async () =>
          (
            await client.query(`SELECT 1 FROM idem_keys WHERE natural_id = $1 AND status = 'in_flight'`, [
              external,
            ])
          ).rowCount,
      )
      .toBe(1);
    await client.end();
    const started = Date.now();
    const second = await send(`${apis[1]!.url}/v1/sales-events`, { method: 'POST', headers, body });
    const waited = Date.now() - started;
    expect((await first).status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.json.id).toBe((await first).json.id);
    // Woken by the notification: without it the twin would sleep until the first one's 30 s lease ran out.
    expect(waited).toBeLessThan(10_000);
  }, 60_000);
});
