// `npm run bench:profile`: where a first call's CPU goes, on each store. The bench server runs the insert's first
// call (a fresh key per request, 100 connections, 1 KB) on each store in turn, and the bare insert for reference,
// under V8's CPU profiler (the sampler `node --cpu-prof` runs, started and stopped through the inspector so that
// the profile holds the measured load and nothing of start-up or warm-up). Each profile becomes a flame graph,
// bench/results/flame-<arm>.svg, and bench/results/profiles.md sums them up: µs of CPU per request by where the
// code lives (idem, tRPC, drivers, Node, garbage collector) and the functions with the most self time.
//
//   npm run bench:profile                     about 1.5 minutes; writes to bench/results/
//   npm run bench:profile -- --quick          short, to a temporary folder (the smoke test runs this)
//   options: --seconds S  --warmup S  --connections C  --kb KB (payload size, default 1)  --replay (replays
//            of one key instead of first calls)  --only REGEX  --out DIR
//            --keep (the .cpuprofile files too)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestPostgres, createTestSqlite } from '@idem/testing';
import { type Layer, payloadOf, procedureOf } from './arms.ts';
import { control, type WorkCount } from './measure.ts';
import { cleanRedis, startLoadGenerator, startServer } from './processes.ts';
import {
  CATEGORY_LABELS,
  type Category,
  type CpuProfile,
  frameTree,
  renderFlameGraph,
  selfTime,
} from './report/flamegraph.ts';
import { runInfo } from './report/machine.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    kb: { type: 'string' },
    replay: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const quick = args.quick ?? false;
const seconds = Number(args.seconds ?? (quick ? 1 : 8));
const warmup = Number(args.warmup ?? (quick ? 0.5 : 4));
const connections = Number(args.connections ?? 100);
const kb = Number(args.kb ?? 1);
// --replay: every call replays one key (its first call made in the warm-up) instead of claiming a fresh one.
const replay = args.replay ?? false;
const out =
  args.out ??
  (quick
    ? mkdtempSync(join(tmpdir(), 'idem-profile-'))
    : fileURLToPath(new URL('../results/', import.meta.url)));
const log = (line: string) => process.stdout.write(`${line}\n`);

/** The arms profiled: a first call on each store, and the bare insert it is compared with. */
const ARMS: readonly { layer: Layer; label: string }[] = [
  { layer: 'none', label: 'bare insert (PostgreSQL, no idempotency)' },
  { layer: 'memory', label: 'memory store' },
  { layer: 'sqlite', label: 'sqliteStore + idem.transaction() (better-sqlite3)' },
  { layer: 'pg', label: 'pgStore, autocommit (node-postgres)' },
  { layer: 'pgtx', label: 'pgStore + idem.transaction() (node-postgres)' },
  { layer: 'redis', label: 'Redis store (ioredis)' },
];
const only = args.only === undefined ? null : new RegExp(args.only);
const arms = ARMS.filter((a) => only === null || only.test(a.layer));

const info = runInfo();
const runId = Math.random().toString(36).slice(2, 10);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const pgDatabase = await createTestPostgres();
const sqliteDatabase = await createTestSqlite();
const scratch = mkdtempSync(join(tmpdir(), 'idem-cpuprofile-'));
mkdirSync(out, { recursive: true });

const body = JSON.stringify(payloadOf(kb * 1024));
interface Profiled {
  readonly layer: Layer;
  readonly label: string;
  readonly file: string;
  readonly requests: number;
  readonly profile: CpuProfile;
}
const profiled: Profiled[] = [];
const server = await startServer({
  pgUrl: pgDatabase.url,
  sqliteFile: sqliteDatabase.file,
  redisUrl,
  redisPrefix: `idem-bench-${runId}`,
  ttlMs: 3_600_000,
});
const load = await startLoadGenerator();
try {
  for (const { layer, label } of arms) {
    const procedure = procedureOf(layer, 'insert', 'pg');
    const job = (tag: string, s: number) => ({
      url: server.url,
      path: `/trpc/${procedure}`,
      headers: {
        'content-type': 'application/json',
        'x-bench-run': tag,
        ...(layer === 'none'
          ? {}
          : { 'idempotency-key': replay ? `profile-replay-${layer}` : `profile-[<id>]` }),
      },
      body,
      connections,
      seconds: s,
      freshKeys: layer !== 'none' && !replay,
    });
    await load.run(job(`profile-warmup-${layer}`, warmup));
    await control(server.url, 'settle');
    const tag = `profile-${layer}`;
    const file = join(scratch, `${layer}.cpuprofile`);
    await control(server.url, 'profile/start?intervalUs=200', 'POST');
    const result = await load.run(job(tag, seconds));
    await control(server.url, 'settle');
    await control(server.url, `profile/stop?file=${encodeURIComponent(file)}`, 'POST');
    const counts = await control<Record<string, WorkCount>>(server.url, 'counts');
    const answered = counts[tag]?.ok ?? 0;
    const rowsExpected = replay && layer !== 'none' ? 0 : answered;
    if (answered === 0 || (counts[tag]?.rows ?? 0) !== rowsExpected)
      throw new Error(
        `${layer}: ${answered} calls answered, ${counts[tag]?.rows ?? 0} rows written; counts ${JSON.stringify(counts[tag])}`,
      );
    log(`[profile] ${layer}: ${Math.round(result.rps)} req/s, ${answered} calls in the profile`);
    profiled.push({
      layer,
      label,
      file,
      requests: answered,
      profile: JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    });
  }
} finally {
  await load.stop();
  await server.stop();
  await pgDatabase.drop();
  await sqliteDatabase.drop();
  await cleanRedis(redisUrl, runId);
}

const date = info.date.slice(0, 10);
const commit = info.commit.slice(0, 7);
const lines = [
  `# Where ${replay ? "a replay's" : "a first call's"} CPU goes${quick ? ' — QUICK SMOKE RUN (not for the README)' : ''}`,
  '',
  `- date: ${info.date}; commit \`${info.commit}\`${info.dirty ? ' (with uncommitted changes)' : ''}`,
  `- machine: ${info.machine.cpu}, ${info.machine.cores} cores; load average at start ${info.machine.loadAverageAtStart.join(' / ')}; Node ${info.node}`,
  `- method: \`npm run bench:profile\`: the bench server under V8's CPU profiler (200 µs sampling), ${seconds} s of the insert's ${replay ? 'replay (one key, claimed in the warm-up' : 'first call (a fresh key per request'}, ${kb} KB, ${connections} connections) per store after ${warmup} s of warm-up; samples over the calls the server answered in that time. The profiler adds its own cost: read the shares, not the absolute µs.`,
  '',
  '| arm | flame graph | calls | CPU µs per call | ' +
    (Object.keys(CATEGORY_LABELS) as Category[]).map((c) => CATEGORY_LABELS[c]).join(' | ') +
    ' |',
  `|---|---|---:|---:|${(Object.keys(CATEGORY_LABELS) as Category[]).map(() => '---:').join('|')}|`,
];
const details: string[] = [];
for (const p of profiled) {
  const svg = `flame-${p.layer}.svg`;
  writeFileSync(
    join(out, svg),
    renderFlameGraph(p.profile, {
      title: `idem bench: ${replay ? 'replay' : 'first call'}, ${p.label}`,
      subtitle: `${date}, commit ${commit}, ${connections} connections, ${kb} KB insert`,
      requests: p.requests,
    }),
  );
  const tree = frameTree(p.profile);
  const samples = p.profile.samples?.length ?? 0;
  const sampleUs = samples > 0 ? (p.profile.endTime - p.profile.startTime) / samples : 0;
  const us = (n: number) => (n * sampleUs) / p.requests;
  const { byCategory, byFunction } = selfTime(tree);
  lines.push(
    `| ${p.label} | [${svg}](${svg}) | ${p.requests.toLocaleString('en')} | ${us(tree.total).toFixed(0)} | ${(
      Object.keys(CATEGORY_LABELS) as Category[]
    )
      .map((c) => us(byCategory.get(c) ?? 0).toFixed(0))
      .join(' | ')} |`,
  );
  details.push(
    '',
    `## ${p.label}`,
    '',
    `[${svg}](${svg}); the functions with the most self time, in µs per call:`,
    '',
    '| µs | function | where | part |',
    '|---:|---|---|---|',
    ...byFunction
      .slice(0, 15)
      .map((f) => `| ${us(f.self).toFixed(1)} | \`${f.name}\` | ${f.where || '–'} | ${f.category} |`),
  );
  if (args.keep) writeFileSync(join(out, `${p.layer}.cpuprofile`), JSON.stringify(p.profile));
}
writeFileSync(join(out, 'profiles.md'), `${[...lines, ...details].join('\n')}\n`);
rmSync(scratch, { recursive: true, force: true });
log(
  `[profile] written: ${join(out, 'profiles.md')} and ${profiled.map((p) => `flame-${p.layer}.svg`).join(', ')}`,
);
