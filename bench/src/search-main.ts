// `node --conditions=idem-source --import tsx bench/src/search-main.ts`: how fast support staff find things on PostgreSQL with a million keys and a million logged
// requests (D1, D6, D7). A fresh database is migrated by idem, filled in bulk with a week of traffic (five
// procedures, fifty callers, payload fields, natural ids, replays, conflicts, refusals and 5xx), analysed, and each
// search of the dashboard is run through the store's admin side (what the admin router calls): one warm-up, then
// `--runs` timed runs (default 15). Written to bench/results/search.json and search.md with machine, Node and commit;
// `--keys 100000` makes a smaller run (to a temporary folder unless `--out` says otherwise).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { adminOf, type IdempotencyAdmin } from '@idem/core/admin';
import { migrate, pgStore } from '@idem/core/pg';
import pg from 'pg';
import { runInfo } from './report/machine.ts';

const { values: args } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '15' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(args.keys);
const RUNS = Number(args.runs);
const full = N >= 1_000_000;
const out =
  args.out ??
  (full
    ? fileURLToPath(new URL('../results/', import.meta.url))
    : mkdtempSync(join(tmpdir(), 'idem-search-')));

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const WEEK_MS = 7 * 24 * 3_600_000;
const PROCEDURES = [
  ['salesbricks.usage.report', 'POST /v1/usage'],
  ['noticia.profiles.upsert', 'POST /v1/profiles'],
  ['shelfcycle.notes.create', 'POST /notes'],
  ['novu.events.trigger', 'POST /v1/events/trigger'],
  ['numora.documents.create', 'POST /v1/documents'],
] as const;

// Row g (1…N) of the fill, in SQL: one key and one logged request, a week of traffic ending now, ids in time
// order (UUIDv7 layout), every fifth a natural key (documents), one in twenty a replay, a conflict, an in-flight
// refusal, a refused request or an unprotected one; one first call in a hundred fails with 500; one in a hundred
// repeats the payload of the request five before it under another key (a possible duplicate, D6).
const row = (prefix: string) => `
  ms AS (SELECT g, ($1::float8 + g * ($2::float8 / $3::float8))::bigint AS ms FROM generate_series($4::int, $5::int) g),
  r AS (
    SELECT g, ms,
      substr(lpad(to_hex(ms), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex(ms), 12, '0'), 9, 4) || '-7'
        || substr(md5('${prefix}' || g), 1, 3) || '-8' || substr(md5('${prefix}' || g), 4, 3) || '-'
        || substr(md5('${prefix}' || g), 7, 12) AS id,
      to_timestamp(ms / 1000.0) AS at,
      'caller-' || ((g / 100) % 50) AS scope,
      (ARRAY[${PROCEDURES.map(([p]) => `'${p}'`).join(', ')}])[1 + g % 5] AS proc,
      (ARRAY[${PROCEDURES.map(([, r]) => `'${r}'`).join(', ')}])[1 + g % 5] AS route,
      g % 5 = 4 AS is_natural,
      CASE g % 20 WHEN 0 THEN 'replay' WHEN 1 THEN 'conflict' WHEN 2 THEN 'in_flight' WHEN 3 THEN 'refused'
        WHEN 4 THEN 'unprotected' ELSE 'first_call' END AS decision,
      'req-' || md5('r' || g) AS request_id
    FROM ms)`;

/** A fresh database on the test server (TEST_DATABASE_URL, default the local `test`), dropped at the end. */
async function freshDatabase(): Promise<{ pool: pg.Pool; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `idem_bench_search_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  await migrate(pool);
  return {
    pool,
    async drop() {
      await pool.end();
      const again = new pg.Client({ connectionString: base });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS "${name}"`);
      await again.end();
    },
  };
}

async function fill(pool: pg.Pool, now: number): Promise<void> {
  const start = now - WEEK_MS;
  const chunk = 100_000;
  for (let from = 1; from <= N; from += chunk) {
    const to = Math.min(N, from + chunk - 1);
    const params = [start, WEEK_MS, N, from, to];
    await pool.query(
      `WITH ${row('k')}
       INSERT INTO idem_keys (id, scope, "procedure", kind, "key", policy, status, fence, fingerprint, fingerprint_alg,
         request_id, request_payload, natural_id, expires_at, created_at, updated_at, completed_at, outcome_ok,
         outcome_status, outcome_body)
       SELECT id, scope, proc, CASE WHEN is_natural THEN 'natural' ELSE 'key' END,
         CASE WHEN is_natural THEN 'schema=invoice_v2&external_id=ap-' || g ELSE 'key-' || md5('key' || g) END,
         'bench', 'completed', 1, md5(g::text), 'jcs-sha256/1', request_id,
         '{"order_id":"ord_' || g || '","quantity":' || (g % 10) || '}',
         CASE WHEN is_natural THEN 'invoice_v2 ap-' || g END,
         CASE WHEN is_natural THEN NULL ELSE at + interval '1 day' END, at, at, at, g % 100 <> 7,
         CASE WHEN g % 100 = 7 THEN 500 ELSE 201 END, '{"kind":"data","data":{"id":"r_' || g || '"}}'
       FROM r`,
      params,
    );
    await pool.query(
      `WITH ${row('q')}
       INSERT INTO idem_requests (id, at, scope, "procedure", kind, "key", key_id, request_id, decision, reason,
         status, fingerprint, natural_id, route, user_agent, address, request, response, terms, duration_ms)
       SELECT r.id, at, scope, proc, CASE WHEN is_natural THEN 'natural' ELSE 'key' END,
         CASE WHEN decision IN ('refused', 'unprotected') THEN ''
              WHEN is_natural THEN 'schema=invoice_v2&external_id=ap-' || g ELSE 'key-' || md5('key' || g) END,
         NULL, request_id, decision, CASE decision WHEN 'refused' THEN 'KEY_MISSING' WHEN 'first_call' THEN 'new' END,
         CASE WHEN decision = 'refused' THEN 400 WHEN decision IN ('conflict', 'in_flight') THEN 409
              WHEN g % 100 = 7 THEN 500 ELSE 201 END,
         CASE WHEN decision IN ('first_call', 'unprotected') THEN md5((CASE WHEN g % 100 = 55 THEN g - 5 ELSE g END)::text) END,
         CASE WHEN is_natural THEN 'invoice_v2 ap-' || g END, route, 'bench/1', '10.0.' || (g % 250) || '.1',
         '{"headers":{"content-type":"application/json","x-api-key":"[REDACTED]"},"body":"{\\"order_id\\":\\"ord_' || g
           || '\\",\\"quantity\\":' || (g % 10) || '}","bytes":40,"redacted":false}',
         '{"headers":{"content-type":"application/json"},"body":"{\\"id\\":\\"r_' || g || '\\"}","bytes":16,"redacted":false}',
         ARRAY['order_id=ord_' || g, 'quantity=' || (g % 10), 'internal_usage_id=u-' || g]
           || CASE WHEN is_natural THEN ARRAY['~invoice_v2 ap-' || g, '~invoice_v2', '~ap-' || g] ELSE ARRAY[]::text[] END,
         3 + g % 40
       FROM r`,
      params,
    );
    process.stdout.write(`\r[bench:search] filled ${to.toLocaleString('en')} of ${N.toLocaleString('en')}`);
  }
  // Logged requests point at their keys through key_id: set in bulk, as the engine would have written it.
  await pool.query(
    `UPDATE idem_requests q SET key_id = k.id FROM idem_keys k
     WHERE k.request_id = q.request_id AND q.decision NOT IN ('refused', 'unprotected')`,
  );
  process.stdout.write('\n[bench:search] analysing\n');
  await pool.query('VACUUM ANALYZE idem_keys');
  await pool.query('VACUUM ANALYZE idem_requests');
}

interface Case {
  name: string;
  run: (admin: IdempotencyAdmin) => Promise<{ items: readonly unknown[]; total?: unknown }>;
}

const sample = Math.floor(N / 2) + 2; // a usage report (g % 5 = 2), a first call
const document = Math.floor(N / 2) + 4; // g % 5 = 4: a document, natural key
const usageKey = `key-${md5(`key${sample}`)}`;
const cases: Case[] = [
  { name: 'request by request id', run: (a) => a.searchRequests({ text: `req-${md5(`r${sample}`)}` }) },
  { name: 'requests by key (exact)', run: (a) => a.searchRequests({ text: usageKey }) },
  { name: 'requests by natural id value (ap-…)', run: (a) => a.searchRequests({ text: `ap-${document}` }) },
  {
    name: 'requests by part of a key (contains, one match: a scan)',
    run: (a) => a.searchRequests({ text: usageKey.slice(10, 22), textMatch: 'contains' }),
  },
  {
    name: 'requests by route (POST /v1/usage), newest page, counted',
    run: (a) => a.searchRequests({ procedures: ['salesbricks.usage.report'], count: true }),
  },
  {
    name: 'requests by caller and status 5xx, counted',
    run: (a) => a.searchRequests({ scopes: ['caller-7'], statusFrom: 500, statusTo: 599, count: true }),
  },
  { name: 'replays, newest page', run: (a) => a.searchRequests({ decisions: ['replay'] }) },
  {
    name: 'requests by payload field, rare (order_id = ord_…)',
    run: (a) => a.searchRequests({ fields: [{ name: 'order_id', value: `ord_${sample}` }] }),
  },
  {
    name: 'requests by payload field, common (quantity = 3), counted',
    run: (a) => a.searchRequests({ fields: [{ name: 'quantity', value: '3' }], count: true }),
  },
  {
    name: 'requests in the last hour, counted',
    run: async (a) => a.searchRequests({ from: Date.now() - 3_600_000, count: true }),
  },
  { name: 'all requests, newest page, counted (estimate)', run: (a) => a.searchRequests({ count: true }) },
  {
    name: 'key by request id (through the log)',
    run: (a) => a.searchKeys({ text: `req-${md5(`r${sample}`)}` }),
  },
  { name: 'key by natural id value', run: (a) => a.searchKeys({ text: `ap-${document}` }) },
  {
    name: 'keys by part of a key (contains: a scan)',
    run: (a) => a.searchKeys({ text: usageKey.slice(10, 22), textMatch: 'contains' }),
  },
  {
    name: 'keys by payload field (order_id = ord_…)',
    run: (a) => a.searchKeys({ fields: [{ name: 'order_id', value: `ord_${sample}` }] }),
  },
  { name: 'failed keys, newest page, counted', run: (a) => a.searchKeys({ state: 'failed', count: true }) },
  {
    name: 'possible duplicates in the last 24 h, counted',
    run: (a) => a.duplicates({ kind: 'payload', windowMs: 24 * 3_600_000, count: true }),
  },
  {
    name: 'natural duplicates in the last 24 h, counted',
    run: (a) => a.duplicates({ kind: 'natural', windowMs: 24 * 3_600_000, count: true }),
  },
  {
    name: 'overview: requests per decision, 24 h by hour',
    run: async (a) => ({
      items: (await a.requestStats({ windowMs: 24 * 3_600_000, bucketMs: 3_600_000 })).buckets,
    }),
  },
];

const info = runInfo();
const database = await freshDatabase();
const results: {
  name: string;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
  found: number;
  total: unknown;
}[] = [];
try {
  const fillStarted = performance.now();
  await fill(database.pool, Date.now());
  const fillS = (performance.now() - fillStarted) / 1000;
  const sizes = (
    await database.pool.query<{ name: string; size: string }>(
      `SELECT relname AS name, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
       WHERE relname IN ('idem_keys', 'idem_requests')`,
    )
  ).rows;
  const admin = adminOf(pgStore({ pool: database.pool, listen: false }))!;
  for (const c of cases) {
    const first = await c.run(admin);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await c.run(admin);
      times.push(performance.now() - started);
    }
    times.sort((x, y) => x - y);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
    results.push({
      name: c.name,
      medianMs: Math.round(at(0.5) * 10) / 10,
      p90Ms: Math.round(at(0.9) * 10) / 10,
      maxMs: Math.round(times.at(-1)! * 10) / 10,
      found: first.items.length,
      total: first.total ?? null,
    });
    console.log(`[bench:search] ${c.name}: median ${at(0.5).toFixed(1)} ms`);
  }
  const server = (await database.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
    .rows[0]!.v;
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'search.json'),
    `${JSON.stringify({ ...info, keys: N, requests: N, runs: RUNS, fillSeconds: fillS, sizes, postgres: server, results }, null, 2)}\n`,
  );
  const totalText = (t: unknown) => {
    const total = t as { value: number; relation: string } | number | null;
    if (total === null) return '';
    if (typeof total === 'number') return String(total);
    return `${total.relation === 'exact' ? '' : total.relation === 'estimate' ? '≈ ' : '≥ '}${total.value.toLocaleString('en')}`;
  };
  const lines = [
    '# Search latency on PostgreSQL (D1, D6, D7)',
    '',
    `- date: ${info.date}`,
    `- commit: \`${info.commit}\`${info.dirty ? ' (with uncommitted changes)' : ''}`,
    `- machine: ${info.machine.cpu}, ${info.machine.cores} cores; Node ${info.node}; PostgreSQL ${server}`,
    `- data: ${N.toLocaleString('en')} keys and ${N.toLocaleString('en')} logged requests over a week (${sizes.map((s) => `${s.name} ${s.size}`).join(', ')}); filled in ${fillS.toFixed(0)} s`,
    `- each search through the store's admin side (node-postgres, one connection), one warm-up then ${RUNS} runs; a page is 50 rows`,
    '',
    '| search | median ms | p90 ms | max ms | rows on the page | total |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) => `| ${r.name} | ${r.medianMs} | ${r.p90Ms} | ${r.maxMs} | ${r.found} | ${totalText(r.total)} |`,
    ),
    '',
    'Reproduce: `node --conditions=idem-source --import tsx bench/src/search-main.ts` (about ten minutes;',
    '`--keys 100000` for a quick look).',
    '',
  ];
  writeFileSync(join(out, 'search.md'), lines.join('\n'));
  console.log(`[bench:search] wrote ${join(out, 'search.md')}`);
} finally {
  if (!args.keep) await database.drop();
}
