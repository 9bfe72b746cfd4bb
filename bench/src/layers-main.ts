// `npm run bench:layers`: what each of idem's features costs a call, in one process (about 3 minutes). The HTTP
// bench's arms run minutes apart, and this VM's speed drifts by more than a feature costs between them; here the
// same tRPC counter mutation is called through tRPC's fetch adapter, with no sockets, in blocks of 400 calls (20 at
// a time), the arms' blocks alternating, and each block's CPU per call read with process.cpuUsage(). The figures
// are the blocks' 20th percentile and median: a block caught in a pause or a major GC does not move them.
//
//   npm run bench:layers                  writes bench/results/layers.md and layers.json
//   npm run bench:layers -- --quick       a few blocks, to a temporary folder (the smoke test runs this)
//   options: --blocks N (per arm, default 40)  --out DIR
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEngine, type Engine } from '@idem/core';
import { createMemoryStore } from '@idem/core/memory';
import { createIdempotency, type IdempotentOptions } from '@idem/trpc';
import { withIdempotency } from '@idem/trpc/adapters/fetch';
import { initTRPC } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { payloadOf } from './arms.ts';
import { runInfo } from './report/machine.ts';
import { median } from './report/summary.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    blocks: { type: 'string' },
    out: { type: 'string' },
  },
});
const quick = args.quick ?? false;
const blocks = Number(args.blocks ?? (quick ? 2 : 40));
const CALLS = 400;
const CONCURRENT = 20;
const out =
  args.out ??
  (quick
    ? mkdtempSync(join(tmpdir(), 'idem-layers-'))
    : fileURLToPath(new URL('../results/', import.meta.url)));

interface Variant {
  readonly name: string;
  readonly label: string;
  readonly events: boolean;
  readonly requestLog: boolean;
  readonly policy: IdempotentOptions;
}
const VARIANTS: readonly Variant[] = [
  { name: 'idem', label: 'idem (defaults)', events: true, requestLog: true, policy: {} },
  { name: 'noLog', label: 'request log off', events: true, requestLog: false, policy: {} },
  { name: 'noEvents', label: 'events off', events: false, requestLog: true, policy: {} },
  {
    name: 'bytes',
    label: 'byte-exact fingerprint',
    events: true,
    requestLog: true,
    policy: { fingerprint: { mode: 'bytes' } },
  },
  {
    name: 'lean',
    label: 'all three off (the lean end)',
    events: false,
    requestLog: false,
    policy: { fingerprint: { mode: 'bytes' } },
  },
];

// A fresh memory store for every round of blocks: keys kept for a day would otherwise pile up over the run, and
// the garbage collector's marking of them would grow with it. Every arm runs once per round, so the garbage of the
// stores a round drops falls on the next round's arms alike.
const engines = new Map<string, Engine>();
const freshEngine = (v: Variant) => {
  const engine = createEngine({
    store: createMemoryStore({ maxEvents: 10_000 }),
    leaseOwner: 'layers',
    ...(v.events ? {} : { events: false as const }),
  });
  engines.set(v.name, engine);
  return engine;
};

const t = initTRPC.create({ isDev: false });
let counter = 0;
const parse = (value: unknown) => value as { order: unknown };
// One middleware before idem's, as the HTTP bench's procedures have (it counts calls there).
const base = t.procedure.use(({ next }) => next());
const router = t.router({
  none: base.input(parse).mutation(() => ({ n: ++counter })),
  ...Object.fromEntries(
    VARIANTS.map((v) => {
      freshEngine(v);
      const idem = createIdempotency(t, {
        engine: () => engines.get(v.name)!,
        scope: () => 'layers',
        requestLog: v.requestLog,
      });
      const procedure = base
        .use(idem.idempotent({ preset: 'ietf', ...v.policy }))
        .input(parse)
        .mutation(() => ({ n: ++counter }));
      return [v.name, procedure];
    }),
  ),
});

const body = JSON.stringify(payloadOf(1024));
let seq = 0;
async function call(procedure: string, key: string | null): Promise<void> {
  const req = new Request(`http://layers/trpc/${procedure}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'idempotency-key': key }) },
    body,
  });
  const res = await fetchRequestHandler(withIdempotency({ endpoint: '/trpc', req, router }));
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${procedure}: ${res.status} ${text.slice(0, 200)}`);
}

interface Arm {
  readonly id: string;
  readonly label: string;
  readonly scenario: 'first' | 'replay';
  readonly variant: Variant | null;
}
const arms: Arm[] = [
  { id: 'none', label: 'bare counter (no idempotency)', scenario: 'first', variant: null },
];
for (const scenario of ['first', 'replay'] as const)
  for (const v of VARIANTS) arms.push({ id: `${v.name}/${scenario}`, label: v.label, scenario, variant: v });

/** CPU µs per call over one block of calls. */
async function block(arm: Arm): Promise<number> {
  const procedure = arm.variant?.name ?? 'none';
  const replayKey = `replay-${seq++}`;
  if (arm.scenario === 'replay') await call(procedure, replayKey);
  const keyOf = () => (arm.variant === null ? null : arm.scenario === 'replay' ? replayKey : `k-${seq++}`);
  const start = process.cpuUsage();
  for (let i = 0; i < CALLS; i += CONCURRENT)
    await Promise.all(Array.from({ length: CONCURRENT }, () => call(procedure, keyOf())));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / CALLS;
}

const info = runInfo();
const log = (line: string) => process.stdout.write(`${line}\n`);
log(`[layers] ${arms.length} arms, ${blocks} blocks of ${CALLS} calls each, alternating`);
for (const arm of arms) await block(arm); // warm-up
const samples = new Map<string, number[]>(arms.map((a) => [a.id, []]));
for (let b = 0; b < blocks; b++) {
  for (const v of VARIANTS)
    await engines
      .get(v.name)
      ?.close()
      .then(() => freshEngine(v));
  const order = b % 2 === 0 ? arms : [...arms].reverse();
  for (const arm of order) samples.get(arm.id)!.push(await block(arm));
}

const quantile = (xs: readonly number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
};
const bare = samples.get('none')!;
const rows = arms.map((arm) => {
  const xs = samples.get(arm.id)!;
  const p20 = quantile(xs, 0.2);
  const p50 = median(xs);
  return {
    id: arm.id,
    label: arm.label,
    scenario: arm.scenario,
    p20,
    p50,
    addedP20: p20 - quantile(bare, 0.2),
    addedP50: p50 - median(bare),
    ratioP50: median(bare) / p50,
  };
});
const n1 = (n: number) => n.toFixed(1);
const lines = [
  "# What each of idem's features costs a call, in one process",
  '',
  `- date: ${info.date}; commit \`${info.commit}\`${info.dirty ? ' (with uncommitted changes)' : ''}`,
  `- machine: ${info.machine.cpu}, ${info.machine.cores} cores; load average at start ${info.machine.loadAverageAtStart.map(n1).join(' / ')}; Node ${info.node}`,
  `- method: \`npm run bench:layers\`${quick ? ' --quick (not comparable)' : ''}: the counter mutation through tRPC's fetch adapter in one process, idem on a memory store (a fresh one per round of blocks), 1 KB; ${blocks} blocks of ${CALLS} calls (${CONCURRENT} at a time) per arm, alternating; CPU per call from process.cpuUsage() over each block.`,
  '',
  '| arm | scenario | CPU µs per call, p20 of blocks | median | added over the bare counter, p20 | median | bare ÷ arm (median) |',
  '|---|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.id === 'none' ? '–' : r.scenario} | ${n1(r.p20)} | ${n1(r.p50)} | ${r.id === 'none' ? '–' : n1(r.addedP20)} | ${r.id === 'none' ? '–' : n1(r.addedP50)} | ${r.id === 'none' ? '–' : `${r.ratioP50.toFixed(2)}×`} |`,
  ),
  '',
];
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'layers.json'),
  `${JSON.stringify({ info, quick, blocks, calls: CALLS, rows, samples: Object.fromEntries(samples) }, null, 2)}\n`,
);
writeFileSync(join(out, 'layers.md'), lines.join('\n'));
log(lines.join('\n'));
log(`[layers] written to ${out}`);
for (const engine of engines.values()) await engine.close();
