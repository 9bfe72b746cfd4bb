// Measuring a group of arms: set each scenario up (a completed key to replay, a payload that conflicts, a
// request held in flight), warm every arm up, then run the measured rounds in alternating order. The server's
// CPU time is read around each round, so each arm also reports CPU per request.
import { type Arm, payloadOf } from './arms.ts';
import type { LoadJob, LoadResult } from './load/protocol.ts';
import type { LoadGenerator } from './processes.ts';

export interface RoundResult extends LoadResult {
  readonly round: number;
  /** Server CPU (user + system) per completed request, in microseconds. */
  readonly cpuUsPerRequest: number;
}

export interface ArmResult {
  readonly arm: Arm;
  readonly rounds: readonly RoundResult[];
  /** Answers whose status was not the one this scenario must give, by status. */
  readonly unexpected: Record<string, number>;
}

export interface MeasureOptions {
  readonly url: string;
  readonly load: LoadGenerator;
  readonly runId: string;
  readonly warmupSeconds: number;
  readonly roundSeconds: number;
  readonly rounds: number;
  readonly log: (line: string) => void;
}

interface Prepared {
  /** Before each run: e.g. put a fresh holder in flight. */
  before(): Promise<void>;
  job(seconds: number): LoadJob;
  /** After each run: release the holder. */
  after(): Promise<void>;
}

const bodies = new Map<string, string>();
function bodyOf(bytes: number, variant: number): string {
  const id = `${bytes}/${variant}`;
  if (!bodies.has(id)) bodies.set(id, JSON.stringify(payloadOf(bytes, variant)));
  return bodies.get(id)!;
}

async function control<T>(url: string, path: string, method = 'GET'): Promise<T> {
  const res = await fetch(`${url}/control/${path}`, { method });
  return (await res.json()) as T;
}

async function cpuMicros(url: string): Promise<number> {
  const { user, system } = await control<{ user: number; system: number }>(url, 'cpu');
  return user + system;
}

async function call(url: string, arm: Arm, key: string, body: string, hold = false): Promise<Response> {
  return fetch(`${url}/trpc/${arm.procedure}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': key,
      ...(hold ? { 'x-bench-hold': '1' } : {}),
    },
    body,
  });
}

async function prepare(arm: Arm, o: MeasureOptions): Promise<Prepared> {
  const body = bodyOf(arm.payloadBytes, 0);
  const job =
    (headers: Record<string, string>, requestBody: string, freshKeys = false) =>
    (seconds: number) => ({
      url: o.url,
      path: `/trpc/${arm.procedure}`,
      headers: { 'content-type': 'application/json', ...headers },
      body: requestBody,
      connections: arm.connections,
      seconds,
      freshKeys,
    });
  const nothing = async () => {};
  const key = `${arm.scenario}-${o.runId}-${arm.id}`;
  switch (arm.scenario) {
    case 'plain':
      return { before: nothing, after: nothing, job: job({}, body) };
    case 'first':
      return { before: nothing, after: nothing, job: job({ 'idempotency-key': 'first-[<id>]' }, body, true) };
    case 'replay':
    case 'conflict': {
      const first = await call(o.url, arm, key, body);
      if (first.status !== 200) throw new Error(`${arm.id}: setting up the key answered ${first.status}`);
      const sent = arm.scenario === 'replay' ? body : bodyOf(arm.payloadBytes, 1);
      return { before: nothing, after: nothing, job: job({ 'idempotency-key': key }, sent) };
    }
    case 'in-flight': {
      // A fresh holder per run: a transaction held open for minutes would hit its timeout and free the key.
      let n = 0;
      let current = key;
      let holder: Promise<Response> | null = null;
      return {
        async before() {
          current = `${key}-${n++}`;
          const waiting = (await control<{ waiting: number }>(o.url, 'held')).waiting;
          holder = call(o.url, arm, current, body, true);
          for (;;) {
            if ((await control<{ waiting: number }>(o.url, 'held')).waiting > waiting) break;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        },
        job: (seconds) => job({ 'idempotency-key': current }, body)(seconds),
        async after() {
          await control(o.url, 'release', 'POST');
          const res = await holder!;
          if (res.status !== 200) throw new Error(`${arm.id}: the holder answered ${res.status}`);
        },
      };
    }
  }
}

/** Warms up, then measures, every arm of one group. */
export async function measureGroup(arms: readonly Arm[], o: MeasureOptions): Promise<ArmResult[]> {
  const prepared = new Map<Arm, Prepared>();
  for (const arm of arms) prepared.set(arm, await prepare(arm, o));
  const runOnce = async (arm: Arm, seconds: number) => {
    const p = prepared.get(arm)!;
    await p.before();
    const cpu0 = await cpuMicros(o.url);
    const result = await o.load.run(p.job(seconds));
    const cpu1 = await cpuMicros(o.url);
    await p.after();
    return { ...result, cpuUsPerRequest: result.requests > 0 ? (cpu1 - cpu0) / result.requests : 0 };
  };
  for (const arm of arms) await runOnce(arm, o.warmupSeconds);
  const results = new Map<Arm, RoundResult[]>(arms.map((a) => [a, []]));
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 === 0 ? arms : [...arms].reverse();
    for (const arm of order) {
      const r = await runOnce(arm, o.roundSeconds);
      results.get(arm)!.push({ ...r, round });
      o.log(
        `  ${arm.id.padEnd(48)} round ${round + 1}: ${Math.round(r.rps)} req/s, p99 ${r.latencyMs.p99} ms`,
      );
    }
  }
  return arms.map((arm) => {
    const unexpected: Record<string, number> = {};
    for (const r of results.get(arm)!) {
      for (const [status, count] of Object.entries(r.statuses))
        if (Number(status) !== arm.expectStatus) unexpected[status] = (unexpected[status] ?? 0) + count;
      if (r.errors > 0) unexpected.errors = (unexpected.errors ?? 0) + r.errors;
    }
    return { arm, rounds: results.get(arm)!, unexpected };
  });
}
