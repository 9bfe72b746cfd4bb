// How each layer behaves under duplicate storms: n same-key requests, connections opened and written first,
// released in one tick. The server counts how many times the work actually ran for each key.
import { storm } from '../reliability/lib/storm.ts';
import { type Layer, payloadOf, procedureOf } from './arms.ts';

export interface StormResult {
  readonly layer: Layer;
  readonly size: number;
  readonly rounds: number;
  /** Storms whose work ran more than once. */
  readonly doubled: number;
  /** Most executions seen in one storm. */
  readonly maxExecutions: number;
  readonly statuses: Record<string, number>;
}

export async function runStorms(
  url: string,
  layers: readonly Layer[],
  sizes: readonly number[],
  rounds: number,
  runId: string,
): Promise<StormResult[]> {
  const body = JSON.stringify(payloadOf(1024));
  const out: StormResult[] = [];
  for (const layer of layers) {
    for (const size of sizes) {
      const statuses: Record<string, number> = {};
      let doubled = 0;
      let maxExecutions = 0;
      for (let round = 0; round < rounds; round++) {
        const key = `storm-${runId}-${layer}-${size}-${round}`;
        const answers = await storm([url], size, {
          path: `/trpc/${procedureOf(layer, 'counter')}`,
          headers: [
            ['Content-Type', 'application/json'],
            ['Idempotency-Key', key],
          ],
          body,
        });
        for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
        const res = await fetch(`${url}/control/executed?key=${encodeURIComponent(key)}`);
        const { n } = (await res.json()) as { n: number };
        if (n > 1) doubled++;
        maxExecutions = Math.max(maxExecutions, n);
      }
      out.push({ layer, size, rounds, doubled, maxExecutions, statuses });
    }
  }
  return out;
}
