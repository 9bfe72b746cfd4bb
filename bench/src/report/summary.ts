// From raw rounds to the figures the report shows: medians and spread per arm, ratios to the baseline that runs
// the same mutation at the same size and concurrency, and the targets.
import { type Arm, insertTarget, type Layer } from '../arms.ts';
import type { ArmResult } from '../measure.ts';
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
  readonly cpuUsPerRequest: number;
  /** Median req/s over the baseline's (same mutation, size and concurrency; refusals against the insert). */
  readonly vsBaseline: number | null;
  readonly unexpected: Record<string, number>;
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

const baselineId = (arm: Arm): string => {
  const size = `${arm.payloadBytes / 1024}KB/c${arm.connections}`;
  if (arm.mutation === 'counter') return `none.counter/plain/${size}`;
  return `none.insert${insertTarget(arm.layer) === 'sqlite' ? 'Sqlite' : 'Pg'}/plain/${size}`;
};

export function summarize(results: readonly ArmResult[]): ArmSummary[] {
  const base = new Map<string, number>();
  for (const r of results) if (r.arm.layer === 'none') base.set(r.arm.id, median(r.rounds.map((x) => x.rps)));
  return results.map(({ arm, rounds, unexpected }) => {
    const rps = rounds.map((r) => r.rps);
    const med = median(rps);
    const b = base.get(baselineId(arm));
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
      cpuUsPerRequest: median(rounds.map((r) => r.cpuUsPerRequest)),
      vsBaseline: arm.layer === 'none' || b === undefined || b === 0 ? null : med / b,
      unexpected,
    };
  });
}

const fmt = (n: number) => `${n.toFixed(2)}×`;

export function targets(summaries: readonly ArmSummary[], micro: MicroResult | null): Target[] {
  const find = (layer: Layer, mutation: string, scenario: string, kb: number, c: number) =>
    summaries.find(
      (s) =>
        s.arm.layer === layer &&
        s.arm.mutation === mutation &&
        s.arm.scenario === scenario &&
        s.arm.payloadBytes === kb * 1024 &&
        s.arm.connections === c,
    );
  const out: Target[] = [];
  const sizes = [...new Set(summaries.map((s) => s.arm.payloadBytes / 1024))].sort((a, b) => a - b);
  const conns = [...new Set(summaries.map((s) => s.arm.connections))].sort((a, b) => b - a);
  const c = conns[0] ?? 100;
  for (const kb of sizes) {
    const tx = find('pgtx', 'insert', 'first', kb, c);
    out.push({
      name: `first call, PostgreSQL transactional, ${kb} KB, c=${c}`,
      measured: tx?.vsBaseline ?? null,
      target: '≥ 0.85× baseline',
      met: tx?.vsBaseline == null ? null : tx.vsBaseline >= 0.85,
      detail: 'insert + outcome in one transaction vs the same insert with no idempotency',
    });
    for (const layer of ['pg', 'pgtx', 'sqlite', 'redis', 'memory'] as const) {
      const replay = find(layer, 'insert', 'replay', kb, c);
      out.push({
        name: `replay, ${layer}, ${kb} KB, c=${c}`,
        measured: replay?.vsBaseline ?? null,
        target: '≥ 1.0× baseline',
        met: replay?.vsBaseline == null ? null : replay.vsBaseline >= 1,
        detail: `answering the stored outcome vs running the insert with no idempotency (${insertTarget(layer)})`,
      });
    }
  }
  if (micro !== null) {
    out.push({
      name: 'engine CPU per call, 1 KB, first call (begin + complete)',
      measured: micro.engineCpuUs.firstCall,
      target: '≤ 15 µs',
      met: micro.engineCpuUs.firstCall <= 15,
      detail: `memory store, events on; replay: ${micro.engineCpuUs.replay.toFixed(1)} µs`,
    });
  }
  for (const ourLayer of ['redis', 'redis-lean'] as const) {
    for (const peer of ['node-idempotency', 'powertools'] as const) {
      for (const mutation of ['counter', 'insert'] as const) {
        for (const scenario of ['first', 'replay'] as const) {
          const ours = find(ourLayer, mutation, scenario, sizes[0] ?? 1, c);
          const theirs = find(peer, mutation, scenario, sizes[0] ?? 1, c);
          const ratio = ours && theirs && theirs.rps.median > 0 ? ours.rps.median / theirs.rps.median : null;
          out.push({
            name: `idem ${ourLayer} vs ${peer}, ${mutation} ${scenario}, ${sizes[0] ?? 1} KB, c=${c}`,
            measured: ratio,
            target: '≥ 1.5×',
            met: ratio === null ? null : ratio >= 1.5,
            detail:
              ourLayer === 'redis'
                ? 'same tRPC server, same Redis, same TTL and payload'
                : 'the same, idem with events off and byte-exact fingerprints',
          });
        }
      }
    }
  }
  return out;
}

export const formatRatio = (t: Target): string =>
  t.measured === null ? 'n/a' : t.target.includes('µs') ? `${t.measured.toFixed(1)} µs` : fmt(t.measured);
