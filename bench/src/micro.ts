// Microbenchmarks (tinybench), run in a process of their own after the HTTP arms, with nothing else running:
// fingerprints at 1, 10 and 100 KB, the key reducer, the memory store, and the engine's CPU per call at 1 KB.
// Prints one line `RESULT <json>` for the runner.
import { createEngine, definePolicy, type KeyRecord } from '@idem/core';
import { createMemoryStore } from '@idem/core/memory';
import { type BeginInput, reduceKey } from '@idem/core/store';
import canonicalize from 'canonicalize';
import { Bench } from 'tinybench';
// Internals @idem/core does not export, taken from its sources (the bench is internal tooling).
import { canonicalJson } from '../../packages/core/src/canonical-json.ts';
import { fingerprint } from '../../packages/core/src/fingerprint.ts';
import { newId } from '../../packages/core/src/ids.ts';
import { payloadOf } from './arms.ts';

export interface MicroResult {
  /** Task name → mean and median time per operation, in microseconds. */
  tasks: Record<string, { meanUs: number; p50Us: number; p99Us: number; samples: number }>;
  /** Engine CPU (user + system) per begin + complete at 1 KB, measured with process.cpuUsage over many calls. */
  engineCpuUs: { firstCall: number; replay: number; calls: number };
}

// BENCH_QUICK: 1 for a quick run, smoke for the smoke test's (a few milliseconds per task: only that it runs).
const smoke = process.env.BENCH_QUICK === 'smoke';
const quick = process.env.BENCH_QUICK === '1' || smoke;
const bench = new Bench({ time: smoke ? 20 : quick ? 200 : 2_000, warmup: true });

for (const kb of [1, 10, 100]) {
  const value = payloadOf(kb * 1024);
  const raw = JSON.stringify(value);
  // Ours against the maintained library it replaced, on the same unsorted payload, in the same run.
  bench.add(`canonical JSON ${kb} KB: idem`, () => {
    canonicalJson(value);
  });
  bench.add(`canonical JSON ${kb} KB: canonicalize package`, () => {
    canonicalize(value);
  });
  bench.add(`fingerprint canonical ${kb} KB`, () => {
    fingerprint({ value });
  });
  bench.add(`fingerprint bytes ${kb} KB`, () => {
    fingerprint({ value, raw }, { mode: 'bytes' });
  });
}

const policy = definePolicy();
const fp = fingerprint({ value: payloadOf(1024) });
const input = (key: string): BeginInput => ({
  scope: 'bench',
  procedure: 'orders.create',
  kind: 'key',
  key,
  fingerprint: fp,
  policy,
  requestId: null,
  leaseOwner: 'bench',
  requestPayload: null,
  naturalId: null,
});
const now = Date.now();
const fresh = reduceKey(undefined, { type: 'begin', now, id: newId(), input: input('k') });
if (fresh.answer.kind !== 'execute') throw new Error('expected execute');
const completed: KeyRecord = reduceKey(fresh.state, {
  type: 'complete',
  now,
  id: fresh.answer.record.id,
  fence: 1,
  outcome: { ok: true, status: 200, body: '{"n":1}' },
}).state!;
bench.add('reducer: begin on a new key', () => {
  reduceKey(undefined, { type: 'begin', now, id: 'id', input: input('k') });
});
bench.add('reducer: begin on a completed key (replay)', () => {
  reduceKey(completed, { type: 'begin', now, id: 'id', input: input('k') });
});

const store = createMemoryStore({ maxEvents: 10_000 });
let n = 0;
bench.add('memory store: begin + complete (new key)', async () => {
  const { answer } = await store.begin(input(`m-${n++}`));
  if (answer.kind !== 'execute') throw new Error('expected execute');
  const r = answer.record;
  await store.complete({ ...r, id: r.id, fence: r.fence }, { ok: true, status: 200, body: '{}' });
});
bench.add('memory store: begin (replay)', async () => {
  await store.begin(input('m-0'));
});

await bench.run();

/** CPU time per call of `fn`, over `calls` calls, after a warm-up. */
async function cpuPerCall(calls: number, fn: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < Math.min(2_000, calls); i++) await fn(-i - 1);
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const calls = smoke ? 500 : quick ? 5_000 : 50_000;
const engine = createEngine({ store: createMemoryStore({ maxEvents: 10_000 }), leaseOwner: 'bench' });
const body = payloadOf(1024);
const firstCall = await cpuPerCall(calls, async (i) => {
  const d = await engine.begin({
    scope: 'bench',
    procedure: 'orders.create',
    key: `cpu-${i}`,
    policy,
    payload: { value: body },
  });
  if (d.kind !== 'execute') throw new Error(`expected execute, got ${d.kind}`);
  await d.execution.complete({ ok: true, status: 200, body: '{"n":1}' });
});
const replay = await cpuPerCall(calls, async () => {
  const d = await engine.begin({
    scope: 'bench',
    procedure: 'orders.create',
    key: 'cpu-0',
    policy,
    payload: { value: body },
  });
  if (d.kind !== 'replay') throw new Error(`expected replay, got ${d.kind}`);
});
await engine.close();

const result: MicroResult = {
  tasks: Object.fromEntries(
    bench.tasks.map((task) => {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
      return [
        task.name,
        {
          meanUs: r.latency.mean * 1000,
          p50Us: r.latency.p50 * 1000,
          p99Us: r.latency.p99 * 1000,
          samples: r.latency.samplesCount,
        },
      ];
    }),
  ),
  engineCpuUs: { firstCall, replay, calls },
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
