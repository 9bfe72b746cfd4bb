// The results as a markdown page (bench/results/results.md): run facts, targets, every arm, the duplicate
// storms and the microbenchmarks.
import type { MicroResult } from '../micro.ts';
import type { StormResult } from '../storms.ts';
import type { RunInfo } from './machine.ts';
import { type ArmSummary, formatRatio, type Target } from './summary.ts';

export interface RunSettings {
  readonly quick: boolean;
  readonly warmupSeconds: number;
  readonly roundSeconds: number;
  readonly rounds: number;
  readonly filter: string | null;
}

const n0 = (n: number) => Math.round(n).toLocaleString('en');
const n1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');

export function renderMarkdown(
  info: RunInfo,
  settings: RunSettings,
  summaries: readonly ArmSummary[],
  goals: readonly Target[],
  storms: readonly StormResult[],
  micro: MicroResult | null,
): string {
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    `# idem benchmark results${settings.quick ? ' — QUICK SMOKE RUN (not comparable, not for the README)' : ''}`,
    '',
    `- date: ${info.date}`,
    `- commit: \`${info.commit}\`${info.dirty ? ' (working tree had uncommitted changes)' : ''}`,
    `- machine: ${info.machine.cpu}, ${info.machine.cores} cores, ${info.machine.memoryGiB} GiB, ${info.machine.os}; load average at start ${info.machine.loadAverageAtStart.join(' / ')}`,
    `- Node ${info.node}; ${Object.entries(info.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `- method: server and autocannon in separate processes; each arm warmed up ${settings.warmupSeconds} s, then ${settings.rounds} rounds of ${settings.roundSeconds} s in alternating order (ABC…, …CBA); medians over rounds, spread = (max − min) / median${settings.filter ? `; arms matching \`${settings.filter}\` only` : ''}`,
    '',
    '## Targets (ratios measured in this run; never asserted)',
    '',
    '| target | measured | goal | met | what |',
    '|---|---:|---|---|---|',
  );
  for (const t of goals)
    push(
      `| ${t.name} | ${formatRatio(t)} | ${t.target} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} | ${t.detail} |`,
    );
  push('', '## Every arm', '');
  const groups = [...new Set(summaries.map((s) => s.group))];
  for (const group of groups) {
    push(
      `### ${group}`,
      '',
      '| arm | req/s (median) | min – max | spread | mean ms | p99 ms | server CPU µs/req | × baseline | unexpected answers |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const s of summaries.filter((x) => x.group === group)) {
      const unexpected = Object.entries(s.unexpected)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      push(
        `| ${s.arm.procedure} ${s.arm.scenario} | ${n0(s.rps.median)} | ${n0(s.rps.min)} – ${n0(s.rps.max)} | ${n1(s.rps.spreadPct)} % | ${s.latencyMs.mean.toFixed(2)} | ${n1(s.latencyMs.p99)} | ${n0(s.cpuUsPerRequest)} | ${s.vsBaseline === null ? '–' : `${s.vsBaseline.toFixed(2)}×`} | ${unexpected || '–'} |`,
      );
    }
    push('');
  }
  if (storms.length > 0) {
    push(
      '## Duplicate storms (same key, connections released together; work executions counted by the server)',
      '',
      '| layer | storm size | storms | storms that ran twice or more | most runs in one storm | answers |',
      '|---|---:|---:|---:|---:|---|',
    );
    for (const s of storms)
      push(
        `| ${s.layer} | ${s.size} | ${s.rounds} | ${s.doubled} | ${s.maxExecutions} | ${Object.entries(
          s.statuses,
        )
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')} |`,
      );
    push('');
  }
  if (micro !== null) {
    push(
      '## Microbenchmarks (tinybench)',
      '',
      '| task | mean µs | p50 µs | p99 µs | samples |',
      '|---|---:|---:|---:|---:|',
    );
    for (const [name, t] of Object.entries(micro.tasks))
      push(`| ${name} | ${n1(t.meanUs)} | ${n1(t.p50Us)} | ${n1(t.p99Us)} | ${t.samples} |`);
    const ratios = canonicalRatios(micro);
    if (ratios.length > 0)
      push('', `Canonical JSON, idem against the canonicalize package (mean): ${ratios.join('; ')}.`);
    push(
      '',
      `Engine CPU per call at 1 KB (process.cpuUsage over ${micro.engineCpuUs.calls} calls, memory store, events on): first call ${n1(micro.engineCpuUs.firstCall)} µs, replay ${n1(micro.engineCpuUs.replay)} µs.`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `1 KB 1.6× faster`, … for each size both canonicalisers ran at. */
export function canonicalRatios(micro: MicroResult): string[] {
  const out: string[] = [];
  for (const [name, ours] of Object.entries(micro.tasks)) {
    const size = /^canonical JSON (.+): idem$/.exec(name)?.[1];
    const theirs =
      size === undefined ? undefined : micro.tasks[`canonical JSON ${size}: canonicalize package`];
    if (size !== undefined && theirs !== undefined) {
      out.push(`${size} ${(theirs.meanUs / ours.meanUs).toFixed(2)}× as fast`);
    }
  }
  return out;
}
