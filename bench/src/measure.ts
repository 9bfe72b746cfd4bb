// Measuring a group of arms: set each scenario up (a completed key to replay, a payload that conflicts, a
// request held in flight), warm every arm up, then run the measured rounds in alternating order. The server's
// CPU time is read around each round, so each arm also reports CPU per request.
//
// Every run's requests carry a tag of their own (x-bench-run), and the server counts per tag the calls it answered
// and the runs of the business work, and writes the tag into each row. After the last run the runner reads the
// counts of every tag, so that each arm is seen to do the work it claims (a first call: one run and, for the
// insert, one row per answer; a replay or a refusal: none), however late its last calls finished.
import { type Arm, payloadOf } from './arms.ts';
import type { LoadJob, LoadResult } from './load/protocol.ts';
import type { LoadGenerator } from './processes.ts';

/** What the server counted for one run's tag. */
export interface WorkCount {
  /** Calls answered without an error (a replay counts; the load generator may have stopped waiting for some). */
  readonly ok: number;
  /** Times the business work ran. */
  readonly runs: number;
  /** Rows written to bench_rows (PostgreSQL and SQLite together). */
  readonly rows: number;
  /** Calls answered with an error, by code and message. */
  readonly errors?: Record<string, number>;
}

export interface RunResult extends LoadResult {
  /** The tag this run's requests carried. */
  readonly tag: string;
  /** Requests per second the load generator was asked for (paced runs), or null: as fast as answers came. */
  readonly rate: number | null;
  /** Server CPU (user + system) per completed request, in microseconds. */
  readonly cpuUsPerRequest: number;
  /**
   * The same for the main thread, which runs the requests, and the process's other threads (V8's workers mark
   * garbage and compile concurrently, libuv's pool): Linux only, in 10 ms ticks.
   */
  readonly threadCpuUsPerRequest: Record<string, number> | null;
}

/**
 * One round of one arm: first as fast as the server answers (req/s, latency), then paced at the group's rate
 * (CPU per request). A server's CPU per request depends on its load: busy, it handles many requests per turn of
 * its event loop and pays each turn's fixed costs once for all of them; waiting on a database, it pays them for
 * one or two. Compared at full load, an arm that waits more looks dearer than one doing more work, and the
 * reverse; compared at one pace, below what any arm of the group can serve, they are not.
 */
export interface RoundResult extends RunResult {
  readonly round: number;
  /** The same arm paced at the group's rate, for CPU per request; null when not paced. */
  readonly paced: RunResult | null;
}

export interface ArmResult {
  readonly arm: Arm;
  readonly rounds: readonly RoundResult[];
  /** Answers whose status was not the one this scenario must give, by status. */
  readonly unexpected: Record<string, number>;
}

export interface WorkCheck extends WorkCount {
  /** Calls the server answered, ok or not (the load generator stops waiting for the last ones of each run). */
  readonly calls: number;
  /** Answers the load generator received with the expected status, over the measured rounds. */
  readonly answered: number;
  readonly fair: boolean;
  /** Why not, when not fair. */
  readonly problem: string | null;
}

/**
 * Every answered first call (and every bare call) ran the work once and, for the insert, wrote one row; a replay
 * or a refusal ran nothing and wrote nothing. `counts` are the server's, by tag.
 */
export function checkWork(result: ArmResult, counts: ReadonlyMap<string, WorkCount>): WorkCheck {
  const { arm, rounds } = result;
  const tags = rounds.flatMap((r) => (r.paced === null ? [r.tag] : [r.tag, r.paced.tag]));
  const sum = (f: (w: WorkCount) => number) =>
    tags.reduce((n, tag) => n + f(counts.get(tag) ?? { ok: 0, runs: 0, rows: 0 }), 0);
  const ok = sum((w) => w.ok);
  const runs = sum((w) => w.runs);
  const rows = sum((w) => w.rows);
  const calls = sum((w) => w.ok + Object.values(w.errors ?? {}).reduce((n, e) => n + e, 0));
  const answered = rounds
    .flatMap((r) => (r.paced === null ? [r] : [r, r.paced]))
    .reduce((n, r) => n + (r.statuses[String(arm.expectStatus)] ?? 0), 0);
  const runsWork = arm.scenario === 'plain' || arm.scenario === 'first';
  const wantRuns = runsWork ? ok : 0;
  const wantRows = runsWork && arm.mutation === 'insert' ? ok : 0;
  const problems: string[] = [];
  if (runs !== wantRuns) problems.push(`${runs} runs of the work for ${wantRuns} expected`);
  if (rows !== wantRows) problems.push(`${rows} rows for ${wantRows} expected`);
  if (runsWork && ok < answered) problems.push(`${answered} answers seen but ${ok} calls answered ok`);
  return {
    ok,
    runs,
    rows,
    calls,
    answered,
    fair: problems.length === 0,
    problem: problems.join('; ') || null,
  };
}

export interface MeasureOptions {
  readonly url: string;
  readonly load: LoadGenerator;
  readonly runId: string;
  readonly warmupSeconds: number;
  readonly roundSeconds: number;
  readonly rounds: number;
  /** Requests per second of the paced runs; null: half the slowest arm's req/s in the warm-up; 0: none. */
  readonly pace: number | null;
  readonly log: (line: string) => void;
}

interface Prepared {
  /** Before each run: e.g. put a fresh holder in flight. */
  before(): Promise<void>;
  job(seconds: number, tag: string, rate: number | null): LoadJob;
  /** After each run: release the holder. */
  after(): Promise<void>;
}

const bodies = new Map<string, string>();
function bodyOf(bytes: number, variant: number): string {
  const id = `${bytes}/${variant}`;
  if (!bodies.has(id)) bodies.set(id, JSON.stringify(payloadOf(bytes, variant)));
  return bodies.get(id)!;
}

export async function control<T>(url: string, path: string, method = 'GET'): Promise<T> {
  const res = await fetch(`${url}/control/${path}`, { method });
  if (!res.ok) throw new Error(`bench server: /control/${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

interface CpuReading {
  /** The whole process, user + system, µs. */
  readonly total: number;
  /** The main thread's and the other threads', µs; null where /proc is not there. */
  readonly threads: Record<string, number> | null;
}

async function cpuReading(url: string): Promise<CpuReading> {
  const r = await control<{ user: number; system: number; threads: Record<string, number> | null }>(
    url,
    'cpu',
  );
  return { total: r.user + r.system, threads: r.threads };
}

/** CPU per request between two readings, per kind of thread. */
function perRequest(a: CpuReading, b: CpuReading, requests: number): Record<string, number> | null {
  if (a.threads === null || b.threads === null || requests === 0) return null;
  const out: Record<string, number> = {};
  for (const [kind, us] of Object.entries(b.threads)) out[kind] = (us - (a.threads[kind] ?? 0)) / requests;
  return out;
}

async function call(url: string, arm: Arm, key: string, body: string, tag: string, hold = false) {
  return fetch(`${url}/trpc/${arm.procedure}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': key,
      'x-bench-run': tag,
      ...(hold ? { 'x-bench-hold': '1' } : {}),
    },
    body,
  });
}

/** A new, empty memory store for the memory arms, once the previous run's last calls have finished (none lands in it). */
async function freshMemory(url: string): Promise<void> {
  await control(url, 'settle');
  await control(url, 'fresh-memory', 'POST');
}

async function prepare(arm: Arm, o: MeasureOptions): Promise<Prepared> {
  const body = bodyOf(arm.payloadBytes, 0);
  const job =
    (headers: Record<string, string>, requestBody: string, freshKeys = false) =>
    (seconds: number, tag: string, rate: number | null): LoadJob => ({
      url: o.url,
      path: `/trpc/${arm.procedure}`,
      headers: { 'content-type': 'application/json', 'x-bench-run': tag, ...headers },
      body: requestBody,
      connections: arm.connections,
      seconds,
      freshKeys,
      ...(rate === null ? {} : { rate }),
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
      // Before every run, not once: the memory store the key was claimed in is replaced between runs.
      // A call the previous run's load generator stopped waiting for can still arrive after the swap and claim the
      // key with the conflicting payload: then settle, take another fresh store and set up again.
      const setUp = async () => {
        for (let attempt = 0; ; attempt++) {
          const first = await call(o.url, arm, key, body, 'setup');
          if (first.status === 200) return;
          if (attempt >= 3) throw new Error(`${arm.id}: setting up the key answered ${first.status}`);
          await freshMemory(o.url);
        }
      };
      await setUp();
      const sent = arm.scenario === 'replay' ? body : bodyOf(arm.payloadBytes, 1);
      return { before: setUp, after: nothing, job: job({ 'idempotency-key': key }, sent) };
    }
    case 'in-flight': {
      // A fresh holder per run: a key held for minutes would outlive its lease and be taken over.
      let n = 0;
      let current = key;
      let holder: Promise<Response> | null = null;
      return {
        async before() {
          current = `${key}-${n++}`;
          const waiting = (await control<{ waiting: number }>(o.url, 'held')).waiting;
          holder = call(o.url, arm, current, body, 'holder', true);
          // Answers once the holder waits inside its procedure, its key claimed.
          await control(o.url, `held?above=${waiting}`);
        },
        job: (seconds, tag, rate) => job({ 'idempotency-key': current }, body)(seconds, tag, rate),
        async after() {
          await control(o.url, 'release', 'POST');
          const res = await holder!;
          if (res.status !== 200) throw new Error(`${arm.id}: the holder answered ${res.status}`);
        },
      };
    }
  }
}

let runs = 0;

/** Warms up, then measures, every arm of one group. */
export async function measureGroup(arms: readonly Arm[], o: MeasureOptions): Promise<ArmResult[]> {
  const prepared = new Map<Arm, Prepared>();
  for (const arm of arms) prepared.set(arm, await prepare(arm, o));
  const runOnce = async (arm: Arm, seconds: number, rate: number | null): Promise<RunResult> => {
    const p = prepared.get(arm)!;
    const tag = `r${++runs}`;
    await freshMemory(o.url);
    await p.before();
    // The previous run's last calls (the load generator stopped waiting for them) finish outside this window.
    await control(o.url, 'settle');
    const cpu0 = await cpuReading(o.url);
    const result = await o.load.run(p.job(seconds, tag, rate));
    const cpu1 = await cpuReading(o.url);
    await p.after();
    return {
      ...result,
      tag,
      rate,
      cpuUsPerRequest: result.requests > 0 ? (cpu1.total - cpu0.total) / result.requests : 0,
      threadCpuUsPerRequest: perRequest(cpu0, cpu1, result.requests),
    };
  };
  // Each arm warms up in two halves and counts its better one: a single short warm-up caught in a pause (a major
  // GC, say) once set the 10 KB counter group's pace at 7 req/s, where background work, not the calls, made each
  // request's CPU.
  let slowest = Number.POSITIVE_INFINITY;
  if (o.warmupSeconds > 0)
    for (const arm of arms) {
      const first = await runOnce(arm, o.warmupSeconds / 2, null);
      const second = await runOnce(arm, o.warmupSeconds / 2, null);
      slowest = Math.min(slowest, Math.max(first.rps, second.rps));
    }
  // One pace for the whole group, baselines included, below what its slowest arm served flat out.
  const pace = o.pace ?? (Number.isFinite(slowest) ? Math.max(1, Math.floor(slowest / 2)) : 10);
  const pacedSeconds = Math.max(0.3, o.roundSeconds * 0.6);
  if (pace > 0) o.log(`  paced runs at ${pace} req/s (${pacedSeconds} s each)`);
  const results = new Map<Arm, RoundResult[]>(arms.map((a) => [a, []]));
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 === 0 ? arms : [...arms].reverse();
    for (const arm of order) {
      const r = await runOnce(arm, o.roundSeconds, null);
      const paced = pace > 0 ? await runOnce(arm, pacedSeconds, pace) : null;
      results.get(arm)!.push({ ...r, round, paced });
      const main = (x: RunResult) =>
        x.threadCpuUsPerRequest?.main === undefined
          ? ''
          : ` (main thread ${Math.round(x.threadCpuUsPerRequest.main)})`;
      o.log(
        `  ${arm.id.padEnd(48)} round ${round + 1}: ${Math.round(r.rps)} req/s, p99 ${r.latencyMs.p99} ms, ${Math.round(r.cpuUsPerRequest)} µs CPU/req${main(r)}${paced === null ? '' : `; at ${pace} req/s: ${Math.round(paced.cpuUsPerRequest)} µs CPU/req${main(paced)}`}`,
      );
    }
  }
  return arms.map((arm) => {
    const unexpected: Record<string, number> = {};
    for (const r of results.get(arm)!.flatMap((x) => (x.paced === null ? [x] : [x, x.paced]))) {
      for (const [status, count] of Object.entries(r.statuses))
        if (Number(status) !== arm.expectStatus) unexpected[status] = (unexpected[status] ?? 0) + count;
      if (r.errors > 0) unexpected.errors = (unexpected.errors ?? 0) + r.errors;
    }
    return { arm, rounds: results.get(arm)!, unexpected };
  });
}

/** The server's counts for every tag, once no call is left in it. */
export async function workCounts(url: string): Promise<Map<string, WorkCount>> {
  await control(url, 'settle');
  const counts = await control<Record<string, WorkCount>>(url, 'counts');
  return new Map(Object.entries(counts));
}
