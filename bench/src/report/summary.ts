// From raw rounds to the figures the report shows: per arm the server CPU it adds per request over the bare
// mutation (the figure that holds from one machine to another), medians and spread of req/s, the ratio to the
// baseline that runs the same mutation at the same size and concurrency, the work it was seen to do; and the
// targets of issue 13.
import { type Arm, insertTarget, type Layer, type Mutation, type Scenario } from '../arms.ts';
import { type ArmResult, checkWork, type WorkCheck, type WorkCount } from '../measure.ts';
import type { MicroResult } from '../micro.ts';

export interface ArmSummary {
  readonly id: string;
  readonly group: string;
  readonly arm: Arm;
  readonly rps: {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly spreadPct: number;
  };
  /**
   * mean: connections / throughput (Little's law), exact where autocannon's whole-millisecond histogram is not;
   * p99: autocannon's, in whole milliseconds.
   */
  readonly latencyMs: { readonly mean: number; readonly p99: number };
  /**
   * Server CPU per request, median over the rounds, in the paced runs (every arm of the group at one rate: see
   * RoundResult) when there were any, else at full load.
   */
  readonly cpuUsPerRequest: number;
  /** The rate of the paced runs, or null when CPU per request was read at full load. */
  readonly pace: number | null;
  /** Server CPU per request at full load (as fast as the server answered), median over the rounds. */
  readonly loadedCpuUsPerRequest: number;
  /** The main thread's share (the request path itself, without V8's garbage-collector and compiler threads). */
  readonly mainThreadCpuUs: number | null;
  /** Rounds' CPU per request, lowest and highest: how far one round can be off. */
  readonly cpuUsRange: { readonly min: number; readonly max: number };
  /**
   * Server CPU per request over the baseline's (the bare mutation: the same counter, or the same insert on the
   * same database, at the same size and concurrency), medians against medians. Null for the baselines.
   */
  readonly addedCpuUs: number | null;
  /** Median req/s over the baseline's. */
  readonly vsBaseline: number | null;
  readonly unexpected: Record<string, number>;
  readonly work: WorkCheck;
}

export interface Target {
  readonly name: string;
  readonly measured: number | null;
  readonly target: string;
  readonly met: boolean | null;
  readonly detail: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The id of the arm an arm is compared with: the bare counter, or the bare insert on its database. */
export const baselineId = (arm: Arm): string => {
  const size = `${arm.payloadBytes / 1024}KB/c${arm.connections}`;
  if (arm.mutation === 'counter') return `none.counter/plain/${size}`;
  return `none.insert${insertTarget(arm.layer) === 'sqlite' ? 'Sqlite' : 'Pg'}/plain/${size}`;
};

export function summarize(
  results: readonly ArmResult[],
  counts: ReadonlyMap<string, WorkCount>,
): ArmSummary[] {
  const base = new Map<string, { rps: number; cpu: number }>();
  for (const r of results)
    if (r.arm.layer === 'none')
      base.set(r.arm.id, {
        rps: median(r.rounds.map((x) => x.rps)),
        cpu: median(
          r.rounds.map((x) => (r.rounds.every((y) => y.paced !== null) ? x.paced! : x).cpuUsPerRequest),
        ),
      });
  return results.map((result) => {
    const { arm, rounds, unexpected } = result;
    const rps = rounds.map((r) => r.rps);
    const paced = rounds.every((r) => r.paced !== null);
    const cpuRuns = rounds.map((r) => (paced ? r.paced! : r));
    const cpu = cpuRuns.map((r) => r.cpuUsPerRequest);
    const med = median(rps);
    const cpuMed = median(cpu);
    const b = arm.layer === 'none' ? undefined : base.get(baselineId(arm));
    return {
      id: arm.id,
      group: arm.group,
      arm,
      rps: {
        median: med,
        min: Math.min(...rps),
        max: Math.max(...rps),
        spreadPct: med > 0 ? ((Math.max(...rps) - Math.min(...rps)) / med) * 100 : 0,
      },
      latencyMs: {
        mean: med > 0 ? (1000 * arm.connections) / med : Number.NaN,
        p99: median(rounds.map((r) => r.latencyMs.p99)),
      },
      cpuUsPerRequest: cpuMed,
      pace: paced ? (rounds[0]?.paced?.rate ?? null) : null,
      loadedCpuUsPerRequest: median(rounds.map((r) => r.cpuUsPerRequest)),
      mainThreadCpuUs: cpuRuns.every((r) => r.threadCpuUsPerRequest?.main !== undefined)
        ? median(cpuRuns.map((r) => r.threadCpuUsPerRequest!.main!))
        : null,
      cpuUsRange: { min: Math.min(...cpu), max: Math.max(...cpu) },
      addedCpuUs: b === undefined ? null : cpuMed - b.cpu,
      vsBaseline: b === undefined || b.rps === 0 ? null : med / b.rps,
      unexpected,
      work: checkWork(result, counts),
    };
  });
}

type Find = (
  layer: Layer,
  mutation: Mutation,
  scenario: Scenario,
  kb: number,
  c: number,
) => ArmSummary | undefined;

const finder =
  (summaries: readonly ArmSummary[]): Find =>
  (layer, mutation, scenario, kb, c) =>
    summaries.find(
      (s) =>
        s.arm.layer === layer &&
        s.arm.mutation === mutation &&
        s.arm.scenario === scenario &&
        s.arm.payloadBytes === kb * 1024 &&
        s.arm.connections === c,
    );

const x2 = (n: number) => `${n.toFixed(2)}×`;

/** A target on the lowest of several ratios: measured is the lowest, the detail lists each. */
function lowest(
  name: string,
  goal: number,
  parts: readonly { label: string; ratio: number | null | undefined }[],
): Target {
  const known = parts.filter((p): p is { label: string; ratio: number } => p.ratio != null);
  const measured =
    known.length === parts.length && known.length > 0 ? Math.min(...known.map((p) => p.ratio)) : null;
  return {
    name,
    measured,
    target: `≥ ${x2(goal)}`,
    met: measured === null ? null : measured >= goal,
    detail: parts.map((p) => `${p.label} ${p.ratio == null ? 'n/a' : x2(p.ratio)}`).join(', '),
  };
}

/** The targets of issue 13, at 1 KB and the highest concurrency of the run unless said. */
export function targets(summaries: readonly ArmSummary[], micro: MicroResult | null): Target[] {
  const find = finder(summaries);
  const conns = [...new Set(summaries.map((s) => s.arm.connections))].sort((a, b) => b - a);
  const c = conns[0] ?? 100;
  const vs = (layer: Layer, mutation: Mutation, scenario: Scenario, kb = 1) =>
    find(layer, mutation, scenario, kb, c)?.vsBaseline;
  const out: Target[] = [
    lowest(`memory store vs the bare mutation, first call, 1 KB, c=${c}`, 0.9, [
      { label: 'counter', ratio: vs('memory', 'counter', 'first') },
    ]),
    lowest(`memory store vs the bare mutation, replay, 1 KB, c=${c}`, 0.95, [
      { label: 'counter', ratio: vs('memory', 'counter', 'replay') },
    ]),
  ];
  for (const peer of ['node-idempotency', 'powertools'] as const) {
    const parts: { label: string; ratio: number | null }[] = [];
    for (const [mutation, scenario] of [
      ['counter', 'first'],
      ['counter', 'replay'],
      ['insert', 'first'],
      ['insert', 'replay'],
      ['insert', 'conflict'],
      ['insert', 'in-flight'],
    ] as const) {
      const ours = find('redis', mutation, scenario, 1, c);
      const theirs = find(peer, mutation, scenario, 1, c);
      parts.push({
        label: `${mutation} ${scenario}`,
        ratio: ours && theirs && theirs.rps.median > 0 ? ours.rps.median / theirs.rps.median : null,
      });
    }
    out.push(lowest(`idem on Redis vs ${peer} on the same Redis, every arm, 1 KB, c=${c}`, 1, parts));
  }
  out.push(
    lowest(`PostgreSQL first call vs the bare insert, 1 KB, c=${c}`, 0.75, [
      { label: 'pgStore, autocommit', ratio: vs('pg', 'insert', 'first') },
    ]),
    lowest(`PostgreSQL transactional first call vs the bare insert, 1 KB, c=${c}`, 0.6, [
      { label: 'pgStore + idem.transaction()', ratio: vs('pgtx', 'insert', 'first') },
    ]),
    lowest(`PostgreSQL replay vs the bare insert, 1 KB, c=${c}`, 1.2, [
      { label: 'autocommit', ratio: vs('pg', 'insert', 'replay') },
      { label: 'transactional', ratio: vs('pgtx', 'insert', 'replay') },
    ]),
    lowest(`SQLite first call vs the bare SQLite insert, 1 KB, c=${c}`, 0.75, [
      { label: 'sqliteStore + idem.transaction()', ratio: vs('sqlite', 'insert', 'first') },
    ]),
    lowest(`SQLite replay vs the bare SQLite insert, 1 KB, c=${c}`, 1.2, [
      { label: 'sqliteStore', ratio: vs('sqlite', 'insert', 'replay') },
    ]),
  );
  if (summaries.some((s) => s.arm.payloadBytes === 10 * 1024))
    out.push(
      lowest(
        `every replay at 10 KB vs the bare insert, c=${c}`,
        1,
        (['memory', 'memory-lean', 'sqlite', 'pg', 'pgtx', 'redis', 'redis-lean'] as const).map((layer) => ({
          label: layer,
          ratio: vs(layer, 'insert', 'replay', 10),
        })),
      ),
    );
  if (micro !== null) {
    const canonical = micro.tasks['fingerprint canonical 100 KB'];
    const bytes = micro.tasks['fingerprint bytes 100 KB'];
    const ratio = canonical && bytes ? canonical.meanUs / bytes.meanUs : null;
    out.push({
      name: '100 KB canonical fingerprint vs the SHA-256 of the same bytes',
      measured: ratio,
      target: '≤ 5.00×',
      met: ratio === null ? null : ratio <= 5,
      detail:
        canonical && bytes
          ? `microbenchmarks: canonical ${canonical.meanUs.toFixed(0)} µs, byte-exact (SHA-256 of the bytes) ${bytes.meanUs.toFixed(0)} µs`
          : 'n/a',
    });
    const bare = find('none', 'counter', 'plain', 1, c);
    const share =
      bare && bare.cpuUsPerRequest > 0 ? micro.engineCpuUs.firstCall / bare.cpuUsPerRequest : null;
    out.push({
      name: `engine CPU per first call vs the bare mutation's server CPU, 1 KB, c=${c}`,
      measured: share,
      target: '≤ 0.07×',
      met: share === null ? null : share <= 0.07,
      detail: `engine ${micro.engineCpuUs.firstCall.toFixed(1)} µs (memory store, events on; replay ${micro.engineCpuUs.replay.toFixed(1)} µs), bare counter ${bare ? bare.cpuUsPerRequest.toFixed(0) : 'n/a'} µs`,
    });
  }
  return out;
}

export const formatRatio = (t: Target): string => (t.measured === null ? 'n/a' : x2(t.measured));
