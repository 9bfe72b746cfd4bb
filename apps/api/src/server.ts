// The API process: one HTTP server for the tRPC endpoint (/trpc), the seeds' REST routes, /openapi.json and
// /healthz, over one engine and one database (SQLite by default, PostgreSQL when DATABASE_URL says so).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createEngine, type Engine, type IdempotencyStore, type TransactionalStore } from '@idem/core';
import { prismaStore } from '@idem/core/prisma';
import { requestIdOf } from '@idem/trpc';
import { withIdempotency } from '@idem/trpc/adapters/standalone';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { resolveCaller } from './auth.ts';
import { type Database, openDatabase, resilientPool } from './db/client.ts';
import { type DomainClient, type DomainTx, domainClient } from './db/domain.ts';
import { MAX_DEMO_DELAY_MS } from './domain/demo.ts';
import type { ApiConfig } from './env.ts';
import { MAX_BODY_BYTES } from './http/body.ts';
import { handleRest, sendError, sendJson } from './rest/handler.ts';
import { openApiDocument } from './rest/openapi.ts';
import { matchRoute } from './rest/routes.ts';
import { appRouter } from './routers/index.ts';
import { type Context, t } from './trpc.ts';

export interface ApiServer {
  readonly url: string;
  readonly server: Server;
  readonly engine: Engine<IdempotencyStore>;
  readonly database: Database;
  readonly db: DomainClient;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  /**
   * Replaces the idempotency store built from the database. For tests: the reliability harness runs the API on
   * a per-process memory store to prove its duplicate storms catch double executions. Transactional procedures
   * write their outcome inside the domain's Prisma transaction, so the store must take that transaction.
   */
  store?: (database: Database) => TransactionalStore<DomainTx>;
}

const createCaller = t.createCallerFactory(appRouter);

function invoke(ctx: Context, procedure: string, input: unknown): Promise<unknown> {
  let node: unknown = createCaller(ctx);
  for (const part of procedure.split('.')) node = (node as Record<string, unknown>)[part];
  return (node as (input: unknown) => Promise<unknown>)(input);
}

// Node keeps at most this many request headers (maxHeadersCount's default) and drops the rest silently: a request
// that reaches it may have lost its key header, so it is refused rather than run unprotected.
const MAX_HEADERS = 1000;

/**
 * Opens the database (migrating it), builds the engine and starts listening.
 *
 * @example
 * const api = await startApiServer(loadConfig());
 * console.log(api.url); // http://127.0.0.1:4000
 */
export async function startApiServer(config: ApiConfig, options: ApiServerOptions = {}): Promise<ApiServer> {
  const database = await openDatabase({ url: config.databaseUrl, poolSize: config.poolSize });
  // On PostgreSQL the store's own statements run on node-postgres, a quarter of the CPU of Prisma's raw queries,
  // and its pool LISTENs for keys settled in other processes; outcomes of transactional procedures are written
  // through the Prisma transaction they belong to. On SQLite there is one connection, and it is Prisma's.
  const storePool =
    database.provider === 'postgresql' && !options.store
      ? resilientPool({ connectionString: database.target.url, max: config.storePoolSize })
      : null;
  const store: TransactionalStore<DomainTx> =
    options.store?.(database) ??
    prismaStore({
      client: database.prisma as unknown as Parameters<typeof prismaStore<DomainTx>>[0]['client'],
      provider: database.provider,
      ...(storePool ? { pool: storePool } : {}),
    });
  const db = domainClient(database);

  const server = createServer({ maxHeaderSize: 64 * 1024 });
  server.maxHeadersCount = MAX_HEADERS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  // Listening first tells the port, so lease holders shown in the dashboard name a real address. Everything
  // below runs before the event loop turns, so no request can arrive before its handler is attached.
  const address = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`;
  const engine = createEngine({
    store,
    leaseOwner: `api@${hostname()}:${process.pid}:${address.port}`,
    ...(config.leaseMs !== undefined ? { leaseMs: config.leaseMs } : {}),
  });

  const makeContext = (header: (name: string) => string | undefined): Context => {
    const asked = Number(header('x-demo-delay-ms'));
    return {
      caller: resolveCaller(header, config.apiKeys),
      db,
      engine: engine as unknown as Engine<TransactionalStore<DomainTx>>,
      demoDelayMs:
        config.mode === 'demo' && Number.isFinite(asked)
          ? Math.min(Math.max(asked, 0), MAX_DEMO_DELAY_MS)
          : 0,
      adminToken: config.adminToken,
      callerNames: config.callerNames,
    };
  };

  const trpc = createHTTPHandler(
    withIdempotency({
      router: appRouter,
      basePath: '/trpc/',
      maxBodySize: MAX_BODY_BYTES,
      createContext: ({ req }) =>
        makeContext((name) => {
          const value = req.headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(', ') : value;
        }),
    }),
  );

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdOf(
      typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined,
    );
    res.setHeader('X-Request-Id', requestId);
    if (req.rawHeaders.length / 2 >= MAX_HEADERS) {
      return sendError(
        res,
        431,
        'invalid_request_error',
        'request_headers_too_large',
        `Requests may carry fewer than ${MAX_HEADERS} headers; the rest would be dropped, an idempotency key among them.`,
        requestId,
      );
    }
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname.startsWith('/trpc/')) return trpc(req, res);
    if (pathname === '/healthz') return sendJson(res, 200, { ok: true, store: store.kind });
    if (pathname === '/openapi.json') return sendJson(res, 200, openApiDocument(url));
    const match = matchRoute(req.method ?? 'GET', pathname);
    if (match) return handleRest(req, res, match, requestId, makeContext, invoke);
    return sendError(
      res,
      404,
      'not_found_error',
      'route_not_found',
      `No route ${req.method} ${pathname}.`,
      requestId,
    );
  };
  server.on('request', (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[api] unhandled error:', error);
      if (!res.headersSent)
        sendError(
          res,
          500,
          'api_error',
          'internal_error',
          'Internal server error.',
          String(res.getHeader('X-Request-Id')),
        );
      else res.end();
    });
  });

  // Expired keys are purged in bounded batches in the background (K7; natural keys never expire), and events
  // past their retention with them, so neither table grows without bound.
  const purge =
    config.purgeIntervalMs > 0
      ? setInterval(() => {
          engine
            .purgeExpired()
            .then(() => engine.purgeEvents({ olderThanMs: config.eventRetentionMs }))
            .catch((error: unknown) => console.error('[api] purge failed:', error));
        }, config.purgeIntervalMs)
      : null;
  purge?.unref();

  return {
    url,
    server,
    engine,
    database,
    db,
    async close() {
      if (purge) clearInterval(purge);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await engine.close();
      await store.close();
      await storePool?.end();
      await database.prisma.$disconnect();
      if (database.provider === 'postgresql') await database.pool.end().catch(() => {});
    },
  };
}
