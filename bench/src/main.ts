// `npm run bench`: every arm of the benchmark, the peers' duplicate storms and the microbenchmarks, written to
// bench/results/ as results.json, results.md and chart.svg (with the machine, Node version, commit and date).
//
//   npm run bench                      full run (about 70 minutes on 2 cores: run it on a quiet machine)
//   npm run bench -- --quick           smoke run: 1 KB and 100 connections only, 2 short rounds, written to a
//                                      temporary folder (not comparable: never commit it as results)
//   npm run bench -- --smoke           the smoke test's run (src/smoke.test.ts): the quick matrix at 10
//                                      connections, one 0.3 s round, no warm-up, one storm of each size,
//                                      microbenchmarks of a few milliseconds: only that everything runs
//   npm run bench -- --only 'redis|node-idempotency|powertools'   arms whose layer or id matches (baselines
//                                      always run)
//   options: --rounds N  --seconds S  --warmup S  --connections C  --out DIR  --no-storms  --no-micro
//            --pace R   req/s of the paced runs that measure CPU per request (default: per group, half what its
//                       slowest arm served in the warm-up; 0: no paced runs, CPU per request at full load)
//   (IDEM_BENCH_QUICK=1 is the same as --quick)
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestPostgres, createTestSqlite } from '@idem/testing';
import { type Arm, buildMatrix, type Layer } from './arms.ts';
import { type ArmResult, measureGroup, type WorkCount, workCounts } from './measure.ts';
import type { MicroResult } from './micro.ts';
import { cleanRedis, runMicro, startLoadGenerator, startServer } from './processes.ts';
import { runInfo } from './report/machine.ts';
import { renderMarkdown } from './report/markdown.ts';
import { summarize, targets } from './report/summary.ts';
import { renderSvg } from './report/svg.ts';
import { runStorms, type StormResult } from './storms.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.IDEM_BENCH_QUICK === '1' },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    out: { type: 'string' },
    connections: { type: 'string' },
    pace: { type: 'string' },
    'no-storms': { type: 'boolean', default: false },
    'no-micro': { type: 'boolean', default: false },
  },
});
const smoke = args.smoke ?? false;
const quick = (args.quick ?? false) || smoke;
const settings = {
  quick,
  rounds: Number(args.rounds ?? (smoke ? 1 : quick ? 2 : 5)),
  roundSeconds: Number(args.seconds ?? (smoke ? 0.3 : quick ? 1 : 5)),
  warmupSeconds: Number(args.warmup ?? (smoke ? 0 : quick ? 0.5 : 2)),
  pace: args.pace !== undefined ? Number(args.pace) : smoke ? 20 : null,
  filter: args.only ?? null,
};
const out =
  args.out ??
  (quick
    ? mkdtempSync(join(tmpdir(), 'idem-bench-'))
    : fileURLToPath(new URL('../results/', import.meta.url)));
const log = (line: string) => process.stdout.write(`${line}\n`);

const only = settings.filter === null ? null : new RegExp(settings.filter);
const arms = buildMatrix({
  payloads: quick ? [1024] : [1024, 10 * 1024],
  connections:
    args.connections !== undefined ? [Number(args.connections)] : smoke ? [10] : quick ? [100] : [1, 100],
  refusalPayloads: [1024],
}).filter((a) => a.layer === 'none' || only === null || only.test(`${a.layer} ${a.id}`));
const groups = [...new Set(arms.map((a) => a.group))];
const perArm =
  settings.warmupSeconds +
  settings.rounds *
    (settings.roundSeconds + (settings.pace === 0 ? 0 : Math.max(0.3, settings.roundSeconds * 0.6))) +
  0.5;
log(
  `[bench] ${arms.length} arms in ${groups.length} groups, about ${Math.ceil((arms.length * perArm) / 60)} min; results to ${out}`,
);

const info = runInfo();
const runId = Math.random().toString(36).slice(2, 10);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Fresh databases; the server migrates idem's tables into them and creates bench_rows.
const pgDatabase = await createTestPostgres();
const sqliteDatabase = await createTestSqlite();

const results: ArmResult[] = [];
let storms: StormResult[] = [];
let counts = new Map<string, WorkCount>();
let micro: MicroResult | null = null;
const server = await startServer({
  pgUrl: pgDatabase.url,
  sqliteFile: sqliteDatabase.file,
  redisUrl,
  redisPrefix: `idem-bench-${runId}`,
  ttlMs: 24 * 3_600_000,
});
const load = await startLoadGenerator();
try {
  for (const group of groups) {
    log(`[bench] group ${group}`);
    const members: Arm[] = arms.filter((a) => a.group === group);
    results.push(...(await measureGroup(members, { url: server.url, load, runId, ...settings, log })));
  }
  counts = await workCounts(server.url);
  if (!args['no-storms']) {
    log('[bench] duplicate storms');
    const layers: Layer[] = ['redis', 'redis-lean', 'pg', 'memory', 'node-idempotency', 'powertools'];
    storms = await runStorms(server.url, layers, [2, 10, 100], smoke ? 1 : quick ? 3 : 20, runId);
  }
} finally {
  await load.stop();
  await server.stop();
}
if (!args['no-micro']) {
  log('[bench] microbenchmarks');
  micro = await runMicro(smoke ? 'smoke' : quick);
}

await pgDatabase.drop();
await sqliteDatabase.drop();
await cleanRedis(redisUrl, runId);

const summaries = summarize(results, counts);
const goals = targets(summaries, micro);
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'results.json'),
  `${JSON.stringify({ info, settings, summaries, goals, storms, micro, raw: results }, null, 2)}\n`,
);
writeFileSync(join(out, 'results.md'), renderMarkdown(info, settings, summaries, goals, storms, micro));
const headline = groups.filter((g) =>
  g.endsWith(`/${groups.some((x) => x.endsWith('/1KB/c100')) ? '1KB/c100' : ''}`),
);
writeFileSync(
  join(out, 'chart.svg'),
  renderSvg(
    summaries,
    headline,
    `idem vs no idempotency vs peers — req/s, 1 KB, 100 connections (${info.date.slice(0, 10)})`,
  ),
);
for (const s of summaries)
  if (s.addedCpuUs !== null)
    log(
      `[bench] ${s.id.padEnd(44)} ${s.addedCpuUs >= 0 ? '+' : ''}${Math.round(s.addedCpuUs)} µs CPU/req vs bare, ${s.vsBaseline?.toFixed(2)}× req/s${s.work.fair ? '' : `, UNFAIR: ${s.work.problem}`}`,
    );
for (const g of goals)
  log(
    `[bench] ${g.met === null ? '–   ' : g.met ? 'ok  ' : 'MISS'} ${g.name}: ${g.measured?.toFixed(2) ?? 'n/a'} (${g.target})`,
  );
log(`[bench] written: ${join(out, 'results.md')}, results.json, chart.svg`);
