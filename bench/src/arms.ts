// What the benchmark measures: every arm is one tRPC mutation under one idempotency layer in one scenario, at
// one payload size and one concurrency. Arms that are compared with each other form a group; a group's arms
// are warmed up, then measured round after round in alternating order (ABC…CBA…), so that drift in the
// machine (caches, the database growing, a neighbour's load) falls evenly on all of them.

/** Who guards the mutation. `none` is the baseline: the same mutation with no idempotency at all. */
export type Layer =
  | 'none'
  | 'memory'
  /** The memory store at the lean end of idem's options: no events, no request log, byte-exact fingerprints. */
  | 'memory-lean'
  | 'sqlite'
  | 'pg'
  | 'pgtx'
  | 'redis'
  /** The Redis store at the lean end of idem's options: no events, no request log, byte-exact fingerprints. */
  | 'redis-lean'
  | 'node-idempotency'
  | 'powertools';

/** `counter` increments a number in memory; `insert` writes one row (PostgreSQL, or SQLite for the SQLite arms). */
export type Mutation = 'counter' | 'insert';

/**
 * `first`: a fresh key on every request (a first call each time). `replay`: one key, already completed.
 * `conflict`: one completed key, another payload. `in-flight`: one key held by a request that has not finished.
 * `plain`: no key (baseline arms).
 */
export type Scenario = 'plain' | 'first' | 'replay' | 'conflict' | 'in-flight';

export interface Arm {
  readonly id: string;
  readonly group: string;
  readonly layer: Layer;
  readonly mutation: Mutation;
  readonly scenario: Scenario;
  readonly payloadBytes: number;
  readonly connections: number;
  /** The tRPC procedure path this arm calls. */
  readonly procedure: string;
  /** HTTP status every answer should have (checked, and reported when it does not hold). */
  readonly expectStatus: number;
}

export const LAYERS: readonly Layer[] = [
  'memory',
  'memory-lean',
  'sqlite',
  'pg',
  'pgtx',
  'redis',
  'redis-lean',
  'node-idempotency',
  'powertools',
];

/** Where a layer's insert writes: the SQLite arms write to SQLite, every other to PostgreSQL. */
export const insertTarget = (layer: Layer): 'sqlite' | 'pg' => (layer === 'sqlite' ? 'sqlite' : 'pg');

/** The procedure path of a layer's mutation, e.g. `pgtx.insert`, `none.insertSqlite`. */
export function procedureOf(layer: Layer, mutation: Mutation, target?: 'sqlite' | 'pg'): string {
  const names: Partial<Record<Layer, string>> = {
    'node-idempotency': 'nodeIdempotency',
    'memory-lean': 'memoryLean',
    'redis-lean': 'redisLean',
  };
  const name = names[layer] ?? layer;
  if (layer === 'none' && mutation === 'insert') return `none.insert${target === 'sqlite' ? 'Sqlite' : 'Pg'}`;
  return `${name}.${mutation}`;
}

const EXPECT: Record<Scenario, number> = {
  plain: 200,
  first: 200,
  replay: 200,
  conflict: 422,
  'in-flight': 409,
};

export interface MatrixOptions {
  payloads: readonly number[];
  connections: readonly number[];
  /** Payload sizes at which conflict and in-flight arms run (they never run the mutation: size matters little). */
  refusalPayloads: readonly number[];
}

/** Every arm of a run, grouped. */
export function buildMatrix(options: MatrixOptions): Arm[] {
  const arms: Arm[] = [];
  const add = (
    group: string,
    layer: Layer,
    mutation: Mutation,
    scenario: Scenario,
    payloadBytes: number,
    connections: number,
    target?: 'sqlite' | 'pg',
  ) => {
    const procedure = procedureOf(layer, mutation, target);
    arms.push({
      id: `${procedure}/${scenario}/${payloadBytes / 1024}KB/c${connections}`,
      group,
      layer,
      mutation,
      scenario,
      payloadBytes,
      connections,
      procedure,
      expectStatus: EXPECT[scenario],
    });
  };
  for (const bytes of options.payloads) {
    for (const c of options.connections) {
      const size = `${bytes / 1024}KB/c${c}`;
      // The refusals are compared with the bare insert: they run in its group, at its pace.
      for (const mutation of ['counter', 'insert'] as const) {
        const group = `${mutation}/${size}`;
        if (mutation === 'counter') add(group, 'none', 'counter', 'plain', bytes, c);
        else {
          add(group, 'none', 'insert', 'plain', bytes, c, 'pg');
          add(group, 'none', 'insert', 'plain', bytes, c, 'sqlite');
        }
        for (const layer of LAYERS) {
          add(group, layer, mutation, 'first', bytes, c);
          add(group, layer, mutation, 'replay', bytes, c);
        }
        if (mutation === 'insert' && options.refusalPayloads.includes(bytes)) {
          for (const layer of LAYERS) {
            add(group, layer, 'insert', 'conflict', bytes, c);
            add(group, layer, 'insert', 'in-flight', bytes, c);
          }
        }
      }
    }
  }
  return arms;
}

/**
 * A request payload of about `bytes` bytes of JSON, shaped like an order (nested objects and arrays, numbers
 * and strings) rather than one long string, so canonical fingerprinting does its real work. `variant` changes
 * one field: the conflicting payload.
 */
export function payloadOf(bytes: number, variant = 0): { order: Record<string, unknown> } {
  const items: Record<string, unknown>[] = [];
  const order = { id: 'ord_bench', customer: { id: 'cus_42', email: 'buyer@example.com' }, variant, items };
  let i = 0;
  while (JSON.stringify({ order }).length < bytes - 90) {
    items.push({
      sku: `sku-${i.toString(36).padStart(6, '0')}`,
      qty: (i % 5) + 1,
      price: 9.99 + i,
      note: 'n',
    });
    i++;
  }
  const text = JSON.stringify({ order });
  (order as Record<string, unknown>).pad = 'x'.repeat(Math.max(0, bytes - text.length - 10));
  return { order };
}
