// PostgreSQL stopped in the middle of a run (a private server: the shared one is never stopped). While it is
// down every request fails closed with 503 and the stable code STORE_UNAVAILABLE; nothing executes without its
// key recorded; and when PostgreSQL is back the API serves again by itself, without a restart.
import { openDatabase } from '@idem/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcess } from './lib/api-processes.ts';
import { type PrivatePostgres, startPrivatePostgres } from './lib/private-postgres.ts';
import { rawSend } from './lib/raw-http.ts';
import { SIZE } from './lib/size.ts';
import { openSql } from './lib/sql.ts';
import { usageRequest } from './lib/storm.ts';
import { mapLimit, until } from './lib/wait.ts';

interface Sent {
  key: string;
  startedAt: number;
  endedAt: number;
  status: number;
  code: string | undefined;
}

describe('PostgreSQL stopped in the middle of a run', () => {
  let server: PrivatePostgres;
  let api: ApiProcess;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    const opened = await openDatabase({ url: server.url });
    await opened.prisma.$disconnect();
    if (opened.provider === 'postgresql') await opened.pool.end();
    api = await startApiProcess({ databaseUrl: server.url, leaseMs: SIZE.leaseMs });
  }, 180_000);
  afterAll(async () => {
    await api?.stop();
    await server?.destroy();
  });

  it('K8/K11: 503 STORE_UNAVAILABLE while it is down, nothing runs unrecorded, and service resumes by itself', async () => {
    const tag = `outage-${crypto.randomUUID()}`;
    const sent: Sent[] = [];
    let n = 0;
    let phase: 'before' | 'down' | 'after' = 'before';
    let downAt = 0;
    let upAt = 0;
    let successesAfter = 0;
    const send = async (): Promise<void> => {
      const key = `${tag}-${n++}`;
      const startedAt = performance.now();
      const r = await rawSend(api.url, usageRequest(key, key));
      const code = (r.json as { error?: { code?: string } } | undefined)?.error?.code;
      sent.push({ key, startedAt, endedAt: performance.now(), status: r.status, code });
      if (phase === 'after' && r.status === 201) successesAfter++;
    };
    // Four writers run through the whole outage; the test moves the phases under them.
    let stop = false;
    const writers = Array.from({ length: 4 }, async () => {
      while (!stop) await send();
    });

    await until('writes before the outage', async () => sent.filter((s) => s.status === 201).length >= 20);
    phase = 'down';
    await server.stop();
    downAt = performance.now();
    await until('requests while down', async () => sent.filter((s) => s.startedAt > downAt).length >= 20);
    await until('the outage to last', async () => performance.now() - downAt >= SIZE.outageDownMs);
    // From here PostgreSQL may accept connections at any moment, before pg_ctl even returns.
    const restartAt = performance.now();
    await server.start();
    upAt = performance.now();
    phase = 'after';
    // Recovery is the API's own doing: the same process, no restart, no call from the test but requests.
    await until('service to resume', async () => successesAfter >= 20, 60_000);
    stop = true;
    await Promise.all(writers);

    const whileDown = sent.filter((s) => s.startedAt > downAt && s.endedAt < restartAt);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.filter((s) => s.status !== 503 || s.code !== 'STORE_UNAVAILABLE')).toEqual([]);
    const statuses = new Map<number, number>();
    for (const s of sent) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
    // A request cut mid-flight by the stop lost its transaction with its connection: that is a 503 too (never a
    // 500, which would be stored and replayed for good); none is a success without its row, checked below.
    expect([...statuses.keys()].filter((status) => ![201, 503].includes(status))).toEqual([]);

    // Every request that failed is retried once the leases of the cut ones have ended: each runs exactly once.
    const failed = sent.filter((s) => s.status !== 201);
    const db = await openSql(server.url);
    await until(
      'leases cut by the outage to end',
      async () =>
        (
          await db.query(
            `SELECT 1 FROM idem_keys WHERE "key" LIKE $1 AND lease_expires_at > now() LIMIT 1`,
            `${tag}-%`,
          )
        ).length === 0,
      SIZE.leaseMs + 10_000,
    );
    const retried = await mapLimit(failed, 32, (s) => rawSend(api.url, usageRequest(s.key, s.key)));
    expect(retried.filter((r) => r.status !== 201).map((r) => r.body)).toEqual([]);

    try {
      // Nothing executed without its key recorded: every row's key is completed with that row in its outcome.
      const unrecorded = await db.query(
        `SELECT u.id FROM usage_records u
         LEFT JOIN idem_keys k ON k."key" = u.internal_usage_id AND k.status = 'completed' AND k.outcome_body LIKE '%' || u.id || '%'
         WHERE u.internal_usage_id LIKE $1 AND k.id IS NULL`,
        `${tag}-%`,
      );
      expect(unrecorded).toEqual([]);
      // After the retries every request is exactly one row.
      const rows = await db.query<{ key: string; n: number }>(
        `SELECT internal_usage_id AS key, count(*)::int AS n FROM usage_records WHERE internal_usage_id LIKE $1 GROUP BY 1`,
        `${tag}-%`,
      );
      const perKey = new Map(rows.map((r) => [r.key, r.n]));
      expect(perKey.size).toBe(sent.length);
      expect([...perKey.values()].every((c) => c === 1)).toBe(true);
    } finally {
      await db.close();
    }
    console.log(
      `[reliability] outage: ${sent.length} requests, ${whileDown.length} while down (all 503 STORE_UNAVAILABLE), ` +
        `statuses ${JSON.stringify(Object.fromEntries(statuses))}, resumed ${Math.round(
          (sent.find((s) => s.startedAt > upAt && s.status === 201)?.endedAt ?? upAt) - upAt,
        )} ms after PostgreSQL was back`,
    );
  }, 300_000);
});
