// The benchmark's server process: one tRPC server (Node's http + tRPC's standalone adapter) serving every arm,
// over the shared PostgreSQL (node-postgres pools), a SQLite file (better-sqlite3 connections) and the shared
// Redis. Run by ../processes.ts with BENCH_SERVER set to a JSON config; prints `listening <url>`. Besides /trpc
// it answers a few control routes for the runner:
//   GET  /control/held[?above=n]   how many requests wait in a holder (once more than n do)
//   POST /control/release   let them finish
//   GET  /control/cpu       process.cpuUsage(), to report CPU per request
//   GET  /control/settle    answers once no request is left in the server (held ones aside)
//   POST /control/fresh-memory   the memory arms' next calls go to a new, empty memory store
//   GET  /control/counts    per run tag (x-bench-run): calls answered ok, runs of the work, rows written
//   GET  /control/executed?key=…   how many times a key's work ran (duplicate storms)
//   POST /control/profile/start, /control/profile/stop?file=…   V8's CPU profiler (what --cpu-prof runs), over
//                                                           a window the runner chooses, written as .cpuprofile
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo, Socket } from 'node:net';
import { createEngine, type IdempotencyStore } from '@idem/core';
import { createMemoryStore } from '@idem/core/memory';
import { migrate as migratePg, pgStore } from '@idem/core/pg';
import { createRedisStore } from '@idem/core/redis';
import { migrate as migrateSqlite, sqliteStore } from '@idem/core/sqlite';
import { withIdempotency } from '@idem/trpc/adapters/standalone';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { nodeIdempotencyPeer, powertoolsPeer } from './peers.ts';
import { benchRouter, type Tally } from './router.ts';

export interface ServerConfig {
  pgUrl: string;
  /** The SQLite file: the store's connection and the bare insert's connection both open it. */
  sqliteFile: string;
  redisUrl: string;
  /** Prefix of every Redis key this run writes (cleaned up by the runner). */
  redisPrefix: string;
  ttlMs: number;
}

const config = JSON.parse(process.env.BENCH_SERVER ?? '{}') as ServerConfig;

// PostgreSQL as an application has it: its own pool for its writes, and a pool for the key store (the
// transactional arm's rows go through a client of the store's pool, inside idem.transaction()).
const pool = (max: number) => {
  const p = new pg.Pool({ connectionString: config.pgUrl, max });
  p.on('error', () => {});
  return p;
};
const appPool = pool(20);
const storePool = pool(20);
await migratePg(storePool);
await appPool.query(
  'CREATE TABLE IF NOT EXISTS bench_rows (id text PRIMARY KEY, run text NOT NULL, payload text NOT NULL)',
);

// SQLite: the store on a connection of its own (sqliteStore sets WAL, synchronous=NORMAL and a busy timeout);
// the bare insert on another connection to the same file, tuned the same way.
const storeDb = new Database(config.sqliteFile);
await migrateSqlite(storeDb);
storeDb.exec(
  'CREATE TABLE IF NOT EXISTS bench_rows (id TEXT PRIMARY KEY, run TEXT NOT NULL, payload TEXT NOT NULL)',
);
const bareDb = new Database(config.sqliteFile);
bareDb.pragma('busy_timeout = 5000');
bareDb.pragma('journal_mode = WAL');
bareDb.pragma('synchronous = NORMAL');

// As the README tells users (the peers' node-redis clients pipeline a tick's commands by default).
const redis = new Redis(config.redisUrl, { enableAutoPipelining: true });

const engine = <S extends IdempotencyStore>(store: S, events = true) =>
  createEngine({ store, leaseOwner: `bench:${process.pid}`, ...(events ? {} : { events: false as const }) });
// The memory store keeps every key for its TTL (a day) and 100,000 logged requests: over a full run its heap grew
// past 2 GB, and every arm of the server, peers and bare mutations included, paid for marking it at each major GC
// (the memory arm's insert read 3,829 µs of CPU per request half-way through, against 983 for its counter at the
// start). Each run starts on a fresh one instead (/control/fresh-memory), its logs bounded as a test's would be.
const memoryEngine = (events = true) => engine(createMemoryStore({ maxEvents: 10_000 }), events);
const engines = {
  memory: memoryEngine(),
  memoryLean: memoryEngine(false),
  sqlite: engine(sqliteStore({ database: storeDb })),
  pg: engine(pgStore({ pool: storePool })),
  redis: engine(createRedisStore({ client: redis, prefix: `{${config.redisPrefix}:idem}` })),
  redisLean: engine(createRedisStore({ client: redis, prefix: `{${config.redisPrefix}:lean}` }), false),
};
const peers = {
  nodeIdempotency: await nodeIdempotencyPeer({
    url: config.redisUrl,
    prefix: `${config.redisPrefix}:node-idempotency`,
    ttlMs: config.ttlMs,
  }),
  powertools: await powertoolsPeer({
    url: config.redisUrl,
    prefix: `${config.redisPrefix}:powertools`,
    ttlMs: config.ttlMs,
  }),
};

let waiting = 0;
let release: () => void = () => {};
let released = new Promise<void>((resolve) => {
  release = resolve;
});
const executions = new Map<string, number>();
/** Runners waiting for more than `above` holders to be held. */
const heldAbove = new Set<{ above: number; answer: () => void }>();

// Settled: every connection the load generator opened is closed (so each request it had sent has been read:
// the end of a connection comes after its data), no request is left in the server (from its arrival to the end
// of its answer) and no call in a procedure, the holders aside. Only then are the calls of a run all counted.
const loadSockets = new Set<Socket>();
let requests = 0;
let calls = 0;
const whenSettled = new Set<() => void>();
const isSettled = () => loadSockets.size === 0 && requests <= waiting && calls <= waiting;
const checkSettled = () => {
  if (whenSettled.size === 0 || !isSettled()) return;
  for (const resolve of whenSettled) resolve();
  whenSettled.clear();
};
const settled = () =>
  isSettled() ? Promise.resolve() : new Promise<void>((resolve) => whenSettled.add(resolve));
interface Count {
  ok: number;
  runs: number;
  /** Calls answered with an error, by code and message. */
  errors: Record<string, number>;
}
const counts = new Map<string, Count>();
const countOf = (run: string) => {
  let c = counts.get(run);
  if (c === undefined) {
    c = { ok: 0, runs: 0, errors: {} };
    counts.set(run, c);
  }
  return c;
};
const tally: Tally = {
  entered() {
    calls++;
  },
  left(run, error) {
    calls--;
    const c = countOf(run);
    if (error === null) c.ok++;
    else {
      const what = `${error.code}: ${error.message.slice(0, 120)}`;
      c.errors[what] = (c.errors[what] ?? 0) + 1;
    }
    checkSettled();
  },
  ran(run) {
    countOf(run).runs++;
  },
};

const router = benchRouter({
  engines,
  pg: appPool,
  sqlite: bareDb,
  peers,
  tally,
  async held() {
    waiting++;
    for (const w of heldAbove)
      if (waiting > w.above) {
        heldAbove.delete(w);
        w.answer();
      }
    await released;
    waiting--;
  },
  executed(key) {
    if (key?.startsWith('storm-')) executions.set(key, (executions.get(key) ?? 0) + 1);
  },
});

/** Per run tag: calls answered ok, runs of the work, and the rows in either database. */
async function countsByRun(): Promise<Record<string, Count & { rows: number }>> {
  const out: Record<string, Count & { rows: number }> = {};
  for (const [run, c] of counts) out[run] = { ...c, rows: 0 };
  const add = (run: string, rows: number) => {
    out[run] ??= { ok: 0, runs: 0, errors: {}, rows: 0 };
    out[run].rows += rows;
  };
  const pgRows = await appPool.query<{ run: string; c: string }>(
    'SELECT run, count(*) AS c FROM bench_rows GROUP BY run',
  );
  for (const r of pgRows.rows) add(r.run, Number(r.c));
  const sqliteRows = bareDb.prepare('SELECT run, count(*) AS c FROM bench_rows GROUP BY run').all() as {
    run: string;
    c: number;
  }[];
  for (const r of sqliteRows) add(r.run, r.c);
  return out;
}

/**
 * CPU time (µs) of this process's main thread, which runs the requests, and of its other threads (V8's workers,
 * which mark garbage and compile concurrently, and libuv's pool), from Linux's /proc; null elsewhere.
 */
function threadCpu(): { main: number; others: number } | null {
  try {
    const tick = 1e6 / 100; // USER_HZ is 100 on Linux
    const out = { main: 0, others: 0 };
    for (const task of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const us = (Number(fields[11]) + Number(fields[12])) * tick;
      if (Number(task) === process.pid) out.main += us;
      else out.others += us;
    }
    return out;
  } catch {
    return null;
  }
}

let profiler: Session | null = null;

// withIdempotency puts the call's HTTP exchange in the context and answers with idem's refusal statuses.
const trpc = createHTTPHandler(
  withIdempotency({
    router,
    basePath: '/trpc/',
    maxBodySize: 1024 * 1024,
    createContext: ({ req }) => ({
      hold: req.headers['x-bench-hold'] === '1',
      run: String(req.headers['x-bench-run'] ?? ''),
    }),
  }),
);

const json = (res: ServerResponse, body: unknown): void => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
};
const failed = (res: ServerResponse) => (error: unknown) => {
  res.statusCode = 500;
  json(res, { error: String(error) });
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bench');
  if (url.pathname.startsWith('/trpc/')) {
    const run = req.headers['x-bench-run'];
    // The load generator's connections (the runner's own calls are tagged setup or holder).
    if (typeof run === 'string' && run !== 'setup' && run !== 'holder' && !loadSockets.has(req.socket)) {
      loadSockets.add(req.socket);
      req.socket.once('close', () => {
        loadSockets.delete(req.socket);
        checkSettled();
      });
    }
    requests++;
    res.once('close', () => {
      requests--;
      checkSettled();
    });
    return void trpc(req, res);
  }
  switch (url.pathname) {
    case '/control/held': {
      const above = url.searchParams.get('above');
      if (above === null || waiting > Number(above)) return json(res, { waiting });
      return void heldAbove.add({ above: Number(above), answer: () => json(res, { waiting }) });
    }
    case '/control/release':
      release();
      released = new Promise<void>((resolve) => {
        release = resolve;
      });
      return json(res, { released: true });
    case '/control/cpu':
      return json(res, { ...process.cpuUsage(), threads: threadCpu() });
    case '/control/fresh-memory': {
      const old = [engines.memory, engines.memoryLean];
      engines.memory = memoryEngine();
      engines.memoryLean = memoryEngine(false);
      return void Promise.all(old.map((e) => e.close())).then(() => json(res, { fresh: true }), failed(res));
    }
    case '/control/settle':
      return void settled().then(() => json(res, { settled: true }));
    case '/control/counts':
      return void countsByRun().then((c) => json(res, c), failed(res));
    case '/control/executed':
      return json(res, { n: executions.get(url.searchParams.get('key') ?? '') ?? 0 });
    case '/control/profile/start':
      return void (async () => {
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', {
          interval: Number(url.searchParams.get('intervalUs') ?? 200),
        });
        await profiler.post('Profiler.start');
      })().then(() => json(res, { profiling: true }), failed(res));
    case '/control/profile/stop':
      return void (async () => {
        if (profiler === null) throw new Error('not profiling');
        const { profile } = await profiler.post('Profiler.stop');
        profiler.disconnect();
        profiler = null;
        writeFileSync(url.searchParams.get('file') ?? 'bench.cpuprofile', JSON.stringify(profile));
      })().then(() => json(res, { written: true }), failed(res));
  }
  res.statusCode = 404;
  res.end();
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);

process.on('SIGTERM', () => {
  release();
  server.closeAllConnections();
  server.close();
  void (async () => {
    for (const e of Object.values(engines)) await e.close();
    await Promise.all(Object.values(peers).map((p) => p.close()));
    await engines.sqlite.store.close();
    await engines.pg.store.close();
    redis.disconnect();
    await Promise.all([appPool.end(), storePool.end()]);
    storeDb.close();
    bareDb.close();
    process.exit(0);
  })();
});
