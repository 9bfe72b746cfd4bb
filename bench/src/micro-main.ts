// `npm run bench:micro`: the microbenchmarks alone (about a minute), for work on the engine's CPU path without
// the 80-minute HTTP run. Written to bench/results/ as micro.json and micro.md with machine, Node and commit;
// `--quick` writes a short, not comparable run to a temporary folder instead.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runMicro } from './processes.ts';
import { runInfo } from './report/machine.ts';
import { canonicalRatios } from './report/markdown.ts';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } },
});
const quick = args.quick ?? false;
const out =
  args.out ??
  (quick
    ? mkdtempSync(join(tmpdir(), 'idem-micro-'))
    : fileURLToPath(new URL('../results/', import.meta.url)));

const info = runInfo();
const micro = await runMicro(quick);
const n1 = (n: number) => n.toFixed(1);
const lines = [
  '# idem microbenchmarks',
  '',
  `- date: ${info.date}`,
  `- commit: \`${info.commit}\`${info.dirty ? ' (with uncommitted changes)' : ''}`,
  `- machine: ${info.machine.cpu}, ${info.machine.cores} cores; load average at start ${info.machine.loadAverageAtStart.map(n1).join(' / ')}`,
  `- Node ${info.node}; tinybench, each task warmed up, then run for ${quick ? '0.2' : '2'} s`,
  '',
  '| task | mean µs | p50 µs | p99 µs | samples |',
  '|---|---:|---:|---:|---:|',
  ...Object.entries(micro.tasks).map(
    ([name, t]) => `| ${name} | ${n1(t.meanUs)} | ${n1(t.p50Us)} | ${n1(t.p99Us)} | ${t.samples} |`,
  ),
  '',
  `Canonical JSON, idem against the canonicalize package (mean): ${canonicalRatios(micro).join('; ')}.`,
  '',
  `Engine CPU per call at 1 KB (process.cpuUsage over ${micro.engineCpuUs.calls} calls, memory store, events on): first call ${n1(micro.engineCpuUs.firstCall)} µs, replay ${n1(micro.engineCpuUs.replay)} µs.`,
  '',
];
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'micro.json'), `${JSON.stringify({ info, quick, micro }, null, 2)}\n`);
writeFileSync(join(out, 'micro.md'), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n[bench] written to ${out}\n`);
