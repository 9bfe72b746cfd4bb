// The benchmark's server process: one tRPC server (Node's http + tRPC's standalone adapter) serving every arm,
// over the shared PostgreSQL, a SQLite file and the shared Redis. Run by ../main.ts with BENCH_SERVER set to
// a JSON config; prints `listening <url>`. Besides /trpc it answers a few control routes for the runner:
//   GET  /control/held      how many requests wait in a holder    POST /control/release   let them finish
//   GET  /control/cpu       process.cpuUsage(), to report CPU per request
//   GET  /control/executed?key=…   how many times a key's work ran (duplicate storms)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine } from '@idem/core';
import { createMemoryStore } from '@idem/core/memory';
import { createSqlStore } from '@idem/core/prisma';
import { createRedisStore } from '@idem/core/redis';
import { createPgChangeFeed, createPgSqlClient, openDatabase } from '@idem/db';
import { createExchange } from '@idem/trpc';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { Redis } from 'ioredis';
import { nodeIdempotencyPeer, powertoolsPeer } from './peers.ts';
import { benchRouter, type RawSqlRoot } from './router.ts';

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
const feed = await createPgChangeFeed({ url: config.pgUrl });
const redis = new Redis(config.redisUrl);

const engine = (store: Parameters<typeof createEngine>[0]['store'], events = true) =>
  createEngine({ store, leaseOwner: `bench:${process.pid}`, ...(events ? {} : { events: false as const }) });
const engines = {
  memory: engine(createMemoryStore()),
  sqlite: engine(createSqlStore({ client: sqlite.prisma, dialect: 'sqlite' })),
  // As the API does: the key store on node-postgres, the business writes (and transactions) on Prisma.
  pg: engine(
    createSqlStore({
      client: createPgSqlClient({ url: config.pgUrl, max: 20 }),
      dialect: 'postgresql',
      changeFeed: feed,
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
  pg: pg.prisma as unknown as RawSqlRoot,
  sqlite: sqlite.prisma as unknown as RawSqlRoot,
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

const trpc = createHTTPHandler({
  router,
  basePath: '/trpc/',
  maxBodySize: 1024 * 1024,
  createContext: ({ req, res, info }) => ({
    http: createExchange({
      headers: req.headers,
      setHeader: (name, value) => {
        if (!res.headersSent) res.setHeader(name, value);
      },
      isBatch: info.isBatchCall,
    }),
    hold: req.headers['x-bench-hold'] === '1',
  }),
});

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
    await feed.close();
    redis.disconnect();
    await pg.prisma.$disconnect();
    await sqlite.prisma.$disconnect();
    process.exit(0);
  })();
});
