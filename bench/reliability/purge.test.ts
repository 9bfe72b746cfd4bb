// K7: purging a million expired keys on PostgreSQL in bounded batches while writers keep going. The purge
// deletes exactly the expired, unheld keys; writers never fail; their latency before and during the purge is
// reported (measured, never asserted). Full size (1 000 000 keys) with `npm run test:reliability`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createEngine } from '@idem/core';
import { openDatabase } from '@idem/api';
import { prismaStore } from '@idem/core/prisma';
import { createTestDatabase, type TestDatabase } from '@idem/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcess } from './lib/api-processes.ts';
import { rawSend } from './lib/raw-http.ts';
import { FULL, SIZE } from './lib/size.ts';
import { openSql, type Sql } from './lib/sql.ts';
import { percentile, round } from './lib/stats.ts';
import { usageRequest } from './lib/storm.ts';
import { until } from './lib/wait.ts';

const WRITERS = 8;
const KEEP = 1_000;
const HELD = 10;

describe(`purge of ${SIZE.purgeKeys.toLocaleString('en')} expired keys while writes continue`, () => {
  let database: TestDatabase;
  let sql: Sql;
  let api: ApiProcess;

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    const opened = await database.open();
    await opened.prisma.$disconnect();
    if (opened.provider === 'postgresql') await opened.pool.end();
    sql = await openSql(database.url);
    const columns = `id, scope, "procedure", "key", policy, status, fence, fingerprint, fingerprint_alg, created_at,
      updated_at, expires_at, completed_at, lease_expires_at, outcome_ok, outcome_status, outcome_body`;
    // Expired and completed: what a busy API leaves behind after a day.
    await sql.query(
      `INSERT INTO idem_keys (${columns})
       SELECT 'expired-' || g, 'demo-a', 'salesbricks.usage.report', 'expired-' || g, 'salesbricks', 'completed', 1,
         md5(g::text), 'jcs-sha256/1', now() - interval '25 hours', now() - interval '25 hours',
         now() - interval '1 hour', now() - interval '25 hours', NULL, true, 201, '{"json":{"id":"usage_x"}}'
       FROM generate_series(1, $1::int) g`,
      SIZE.purgeKeys,
    );
    // Not expired yet: must stay.
    await sql.query(
      `INSERT INTO idem_keys (${columns})
       SELECT 'keep-' || g, 'demo-a', 'salesbricks.usage.report', 'keep-' || g, 'salesbricks', 'completed', 1,
         md5(g::text), 'jcs-sha256/1', now(), now(), now() + interval '1 day', now(), NULL, true, 201, '{}'
       FROM generate_series(1, $1::int) g`,
      KEEP,
    );
    // Expired, but a holder still runs under a live lease (K7): must stay too.
    await sql.query(
      `INSERT INTO idem_keys (${columns})
       SELECT 'held-' || g, 'demo-a', 'salesbricks.usage.report', 'held-' || g, 'salesbricks', 'in_flight', 1,
         md5(g::text), 'jcs-sha256/1', now(), now(), now() - interval '1 minute', NULL, now() + interval '1 hour',
         NULL, NULL, NULL
       FROM generate_series(1, $1::int) g`,
      HELD,
    );
    await sql.query('ANALYZE idem_keys');
    api = await startApiProcess({ databaseUrl: database.url });
  }, 600_000);
  afterAll(async () => {
    await api?.stop();
    await sql?.close();
    await database?.drop();
  });

  it('K7: bounded batches delete exactly the expired, unheld keys; writers keep succeeding meanwhile', async () => {
    const tag = `purge-${crypto.randomUUID()}`;
    const samples: { at: number; ms: number; status: number }[] = [];
    let stop = false;
    let n = 0;
    const writers = Array.from({ length: WRITERS }, async () => {
      while (!stop) {
        const key = `${tag}-${n++}`;
        const started = performance.now();
        const r = await rawSend(api.url, usageRequest(key, key));
        samples.push({ at: started, ms: performance.now() - started, status: r.status });
      }
    });

    // A baseline of writes before the purge, to compare its latency with, after a second of warm-up (the API
    // process's first requests compile and connect).
    const baselineMs = FULL ? 5_000 : 2_000;
    const t0 = performance.now();
    const warm = t0 + 1_000;
    await until('baseline writes', async () => performance.now() - warm >= baselineMs, baselineMs + 30_000);

    const db = await openDatabase({ url: database.url, migrate: false, poolSize: 2 });
    if (db.provider !== 'postgresql') throw new Error('the purge suite runs on PostgreSQL');
    const engine = createEngine({
      store: prismaStore({ client: db.prisma, provider: 'postgresql' }),
      events: false,
    });
    const purgeStart = performance.now();
    const progress = await engine.purgeExpired({ batchSize: 1000 });
    const purgeEnd = performance.now();
    await engine.close();
    await engine.store.close();
    await db.prisma.$disconnect();
    await db.pool.end();
    stop = true;
    await Promise.all(writers);

    expect(progress.deleted).toBe(SIZE.purgeKeys);
    expect(progress.batches).toBe(Math.floor(SIZE.purgeKeys / 1000) + 1);
    const left = await sql.query<{ kind: string; n: number }>(
      `SELECT split_part(id, '-', 1) AS kind, count(*)::int AS n FROM idem_keys GROUP BY 1`,
    );
    const counts = Object.fromEntries(left.map((r) => [r.kind, r.n]));
    expect(counts.expired).toBeUndefined();
    expect(counts.keep).toBe(KEEP);
    expect(counts.held).toBe(HELD);
    // Every write succeeded and is still there: the purge took nothing live.
    expect(samples.filter((s) => s.status !== 201)).toEqual([]);
    const written = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM idem_keys WHERE "key" LIKE $1 AND status = 'completed'`,
      `${tag}-%`,
    );
    expect(written[0]!.n).toBe(samples.length);

    const before = samples.filter((s) => s.at >= warm && s.at < purgeStart).map((s) => s.ms);
    const during = samples.filter((s) => s.at >= purgeStart && s.at < purgeEnd).map((s) => s.ms);
    const report = {
      date: new Date().toISOString(),
      machine: hostname(),
      keys: SIZE.purgeKeys,
      batchSize: 1000,
      batches: progress.batches,
      purgeSeconds: round((purgeEnd - purgeStart) / 1000, 2),
      keysPerSecond: Math.round(SIZE.purgeKeys / ((purgeEnd - purgeStart) / 1000)),
      writers: WRITERS,
      writesBefore: before.length,
      writesDuring: during.length,
      p50BeforeMs: round(percentile(before, 50)),
      p99BeforeMs: round(percentile(before, 99)),
      p50DuringMs: round(percentile(during, 50)),
      p99DuringMs: round(percentile(during, 99)),
    };
    console.log(`[reliability] purge: ${JSON.stringify(report)}`);
    if (FULL) {
      const dir = new URL('../results/', import.meta.url);
      mkdirSync(dir, { recursive: true });
      writeFileSync(new URL('reliability-purge.json', dir), `${JSON.stringify(report, null, 2)}\n`);
    }
  }, 1_800_000);
});
