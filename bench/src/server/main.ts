// The benchmark's server process: one tRPC server (Node's http + tRPC's standalone adapter) serving every arm,
// over the shared PostgreSQL, a SQLite file and the shared Redis. Run by ../main.ts with BENCH_SERVER set to
// a JSON config; prints `listening <url>`. Besides /trpc it answers a few control routes for the runner:
//   GET  /control/held      how many requests wait in a holder    POST /control/release   let them finish
//   GET  /control/cpu       process.cpuUsage(), to report CPU per request
//   GET  /control/executed?key=…   how many times a key's work ran (duplicate storms)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase, resilientPool } from '@idem/api';
import { createEngine, type IdempotencyStore } from '@idem/core';
import { createMemoryStore } from '@idem/core/memory';
import { type PrismaClientLike, prismaStore } from '@idem/core/prisma';
import { createRedisStore } from '@idem/core/redis';
import { withIdempotency } from '@idem/trpc/adapters/standalone';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { Redis } from 'ioredis';
import { nodeIdempotencyPeer, powertoolsPeer } from './peers.ts';
import { benchRouter, type RawSql } from './router.ts';

export interface ServerConfig {
  pgUrl: string;
  sqliteUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key this run writes (cleaned up by the runner). */
  redisPrefix: string;
  ttlMs: number;
}

const config = JSON.parse(process.env.BENCH_SERVER ?? '{}') as ServerConfig;
const pg = await openDatabase({ url: config.pgUrl, poolSize: 20 });
const sqlite = await openDatabase({ url: config.sqliteUrl });
// The key store's own statements (and its LISTEN for keys settled elsewhere) run on a node-postgres pool.
const storePool = resilientPool({ connectionString: config.pgUrl, max: 20 });
const redis = new Redis(config.redisUrl);

const engine = <S extends IdempotencyStore>(store: S, events = true) =>
  createEngine({ store, leaseOwner: `bench:${process.pid}`, ...(events ? {} : { events: false as const }) });
const engines = {
  memory: engine(createMemoryStore()),
  sqlite: engine(
    prismaStore({ client: sqlite.prisma as unknown as PrismaClientLike<RawSql>, provider: 'sqlite' }),
  ),
  // As the API does: the key store on node-postgres, the business writes (and transactions) on Prisma.
  pg: engine(
    prismaStore({
      client: pg.prisma as unknown as PrismaClientLike<RawSql>,
      provider: 'postgresql',
      pool: storePool,
      transactionOptions: { maxWait: 30_000, timeout: 60_000 },
    }),
  ),
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

const router = benchRouter({
  engines,
  pg: pg.prisma as unknown as RawSql,
  sqlite: sqlite.prisma as unknown as RawSql,
  peers,
  async held() {
    waiting++;
    await released;
    waiting--;
  },
  executed(key) {
    if (key?.startsWith('storm-')) executions.set(key, (executions.get(key) ?? 0) + 1);
  },
});

// withIdempotency puts the call's HTTP exchange in the context and answers with idem's refusal statuses.
const trpc = createHTTPHandler(
  withIdempotency({
    router,
    basePath: '/trpc/',
    maxBodySize: 1024 * 1024,
    createContext: ({ req }) => ({ hold: req.headers['x-bench-hold'] === '1' }),
  }),
);

const json = (res: import('node:http').ServerResponse, body: unknown): void => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://bench');
  if (url.pathname.startsWith('/trpc/')) return void trpc(req, res);
  if (url.pathname === '/control/held') return json(res, { waiting });
  if (url.pathname === '/control/release') {
    release();
    released = new Promise<void>((resolve) => {
      release = resolve;
    });
    return json(res, { released: true });
  }
  if (url.pathname === '/control/cpu') return json(res, process.cpuUsage());
  if (url.pathname === '/control/executed')
    return json(res, { n: executions.get(url.searchParams.get('key') ?? '') ?? 0 });
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
    await storePool.end();
    redis.disconnect();
    await pg.prisma.$disconnect();
    if (pg.provider === 'postgresql') await pg.pool.end();
    await sqlite.prisma.$disconnect();
    process.exit(0);
  })();
});
