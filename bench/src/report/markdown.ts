// The results as a markdown page (bench/results/results.md): run facts; first, the server CPU each layer adds per
// request over the bare mutation, per scenario (the figure that holds from one machine to another); the targets;
// the work each arm was seen to do; every arm; the duplicate storms and the microbenchmarks.
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
  readonly pace: number | null;
}

const n0 = (n: number) => Math.round(n).toLocaleString('en');
const signed = (n: number) => `${n >= 0 ? '+' : '−'}${n0(Math.abs(n))}`;
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
    `- method: server and autocannon in separate processes; each arm warmed up ${settings.warmupSeconds} s, then ${settings.rounds} rounds in alternating order (ABC…, …CBA), each round of each arm ${settings.roundSeconds} s as fast as the server answers (req/s, latency)${settings.pace === 0 ? '' : ` then ${Math.max(0.3, settings.roundSeconds * 0.6)} s paced at ${settings.pace === null ? "half the req/s of its group's slowest arm in the warm-up" : `${settings.pace} req/s`} (server CPU per request)`}; medians over rounds, spread = (max − min) / median; every run's calls tagged, and the server counts per tag the calls it answered, the runs of the business work and the rows written${settings.filter ? `; arms matching \`${settings.filter}\` only` : ''}`,
    '',
  );
  push(...addedCpuTables(summaries));
  push(
    '## Targets (issue 13; ratios measured in this run, never asserted)',
    '',
    '| target | measured | goal | met | what |',
    '|---|---:|---|---|---|',
  );
  for (const t of goals)
    push(
      `| ${t.name} | ${formatRatio(t)} | ${t.target} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} | ${t.detail} |`,
    );
  const unfair = summaries.filter((s) => !s.work.fair);
  push(
    '',
    '## Work done',
    '',
    unfair.length === 0
      ? 'Every arm did exactly the work its scenario calls for: each answered first call (and each bare call) ran the work once and, for the insert, wrote one row; replays and refusals ran nothing and wrote nothing (columns `ok`, `runs`, `rows` below, counted by the server once every call had left its procedure).'
      : `**${unfair.length} arm(s) did not do the work their scenario calls for:** ${unfair.map((s) => `${s.id} (${s.work.problem})`).join('; ')}.`,
    '',
    '## Every arm',
    '',
  );
  const groups = [...new Set(summaries.map((s) => s.group))];
  for (const group of groups) {
    push(
      `### ${group}`,
      '',
      '| arm | added CPU µs/req | server CPU µs/req (min – max over rounds) | of which main thread | paced at req/s | server CPU µs/req at full load | req/s (median) | min – max | spread | mean ms | p99 ms | × baseline | answers | ok | runs | rows | unexpected answers |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const s of summaries.filter((x) => x.group === group)) {
      const unexpected = Object.entries(s.unexpected)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      push(
        `| ${s.arm.procedure} ${s.arm.scenario} | ${s.addedCpuUs === null ? '–' : signed(s.addedCpuUs)} | ${n0(s.cpuUsPerRequest)} (${n0(s.cpuUsRange.min)} – ${n0(s.cpuUsRange.max)}) | ${s.mainThreadCpuUs === null ? 'n/a' : n0(s.mainThreadCpuUs)} | ${s.pace === null ? '–' : n0(s.pace)} | ${n0(s.loadedCpuUsPerRequest)} | ${n0(s.rps.median)} | ${n0(s.rps.min)} – ${n0(s.rps.max)} | ${n1(s.rps.spreadPct)} % | ${s.latencyMs.mean.toFixed(2)} | ${n1(s.latencyMs.p99)} | ${s.vsBaseline === null ? '–' : `${s.vsBaseline.toFixed(2)}×`} | ${n0(s.work.answered)} | ${n0(s.work.ok)} | ${n0(s.work.runs)} | ${n0(s.work.rows)}${s.work.fair ? '' : ' **(!)**'} | ${unexpected || '–'} |`,
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

const COLUMNS = [
  ['counter', 'first', 'counter, first call'],
  ['counter', 'replay', 'counter, replay'],
  ['insert', 'first', 'insert, first call'],
  ['insert', 'replay', 'insert, replay'],
  ['insert', 'conflict', 'conflict'],
  ['insert', 'in-flight', 'in flight'],
] as const;

/**
 * One table per size and concurrency: a row per layer, a column per scenario, each cell the server CPU the layer
 * adds per request over the bare mutation and, in brackets, its req/s as a multiple of the bare mutation's.
 */
export function addedCpuTables(summaries: readonly ArmSummary[]): string[] {
  const out: string[] = [
    '## Server CPU added per request over the bare mutation',
    '',
    "µs of the server process's CPU (user + system) per request, median over the rounds, minus the bare mutation's in the same run and at the same pace: the bare counter for the counter; for the insert, conflicts and in-flight refusals, the same insert with no idempotency on the same database through the same driver (node-postgres, or better-sqlite3 for SQLite). CPU per request is read in paced runs, every arm of a group at one rate below what its slowest arm serves: a server's CPU per request falls as its load rises (one turn of its event loop serves more requests), so read at full load it would reward the arms that keep the server busiest, not the ones that do least. In brackets: req/s at full load as a multiple of the bare mutation's. Server CPU per request is what holds from one machine to another; req/s on a 2-core machine shared with the load generator and the databases does not.",
    '',
  ];
  const sizes = [...new Set(summaries.map((s) => `${s.arm.payloadBytes / 1024}KB/c${s.arm.connections}`))];
  for (const size of sizes) {
    const at = summaries.filter((s) => `${s.arm.payloadBytes / 1024}KB/c${s.arm.connections}` === size);
    const bare = (id: string) => at.find((s) => s.id === `${id}/plain/${size}`);
    const describe = (label: string, s: ArmSummary | undefined) =>
      s === undefined
        ? null
        : `${label} ${n0(s.cpuUsPerRequest)} µs/req${s.pace === null ? '' : ` at ${n0(s.pace)} req/s`}, ${n0(s.rps.median)} req/s flat out`;
    const [kb, c] = size.split('/');
    out.push(
      `### ${kb}, ${c!.slice(1)} connection${c === 'c1' ? '' : 's'}`,
      '',
      `Bare: ${[
        describe('counter', bare('none.counter')),
        describe('insert on PostgreSQL', bare('none.insertPg')),
        describe('insert on SQLite', bare('none.insertSqlite')),
      ]
        .filter((x) => x !== null)
        .join('; ')}.`,
      '',
      `| layer | ${COLUMNS.map(([, , label]) => label).join(' | ')} |`,
      `|---|${COLUMNS.map(() => '---:').join('|')}|`,
    );
    const layers = [...new Set(at.filter((s) => s.arm.layer !== 'none').map((s) => s.arm.layer))];
    for (const layer of layers) {
      const cells = COLUMNS.map(([mutation, scenario]) => {
        const s = at.find(
          (x) => x.arm.layer === layer && x.arm.mutation === mutation && x.arm.scenario === scenario,
        );
        if (s === undefined || s.addedCpuUs === null) return '';
        const ratio = s.vsBaseline === null ? '' : ` (${s.vsBaseline.toFixed(2)}×)`;
        return `${signed(s.addedCpuUs)} µs${ratio}${s.work.fair ? '' : ' (!)'}`;
      });
      const name = at.find((s) => s.arm.layer === layer)!.arm.procedure.split('.')[0];
      out.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out;
}
