// The API process: one HTTP server for the tRPC endpoint (/trpc), the seeds' REST routes, /openapi.json and
// /healthz, over one engine and one database (SQLite by default, PostgreSQL when DATABASE_URL says so).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createEngine, type Engine, type IdempotencyStore, newId } from '@idem/core';
import { createSqlStore } from '@idem/core/prisma';
import {
  createPgChangeFeed,
  createPgSqlClient,
  type Database,
  openDatabase,
  type PgChangeFeed,
} from '@idem/db';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createExchange, type HttpExchange } from '@idem/trpc';
import { resolveCaller } from './auth.ts';
import { type DomainClient, domainClient } from './db.ts';
import { MAX_DEMO_DELAY_MS } from './domain/demo.ts';
import type { ApiConfig } from './env.ts';
import { MAX_BODY_BYTES } from './http/body.ts';
import { handleRest, sendError, sendJson } from './rest/handler.ts';
import { openApiDocument } from './rest/openapi.ts';
import { matchRoute } from './rest/routes.ts';
import { appRouter } from './routers/index.ts';
import { type Context, t } from './trpc.ts';

// A caller's X-Request-Id is kept (it ties our events to its logs) when it looks like a tracing id; anything
// else (markup, spaces, a paragraph) is replaced by our own, since staff read these ids in the dashboard.
const TRACE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && TRACE_ID.test(header) ? header : newId();
}

export interface ApiServer {
  readonly url: string;
  readonly server: Server;
  readonly engine: Engine;
  readonly database: Database;
  readonly db: DomainClient;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  /**
   * Replaces the idempotency store built from the database. For tests: the reliability harness runs the API on
   * a per-process memory store to prove its duplicate storms catch double executions.
   */
  store?: (database: Database) => IdempotencyStore;
}

const createCaller = t.createCallerFactory(appRouter);

function invoke(ctx: Context, procedure: string, input: unknown): Promise<unknown> {
  let node: unknown = createCaller(ctx);
  for (const part of procedure.split('.')) node = (node as Record<string, unknown>)[part];
  return (node as (input: unknown) => Promise<unknown>)(input);
}

/**
 * Opens the database (migrating it), builds the engine and starts listening.
 *
 * @example
 * const api = await startApiServer(loadConfig());
 * console.log(api.url); // http://127.0.0.1:4000
 */
export async function startApiServer(config: ApiConfig, options: ApiServerOptions = {}): Promise<ApiServer> {
  const database = await openDatabase({ url: config.databaseUrl, poolSize: config.poolSize });
  const feed: PgChangeFeed | null =
    database.provider === 'postgresql' ? await createPgChangeFeed({ url: database.target.url }) : null;
  // On PostgreSQL the key store talks to the database through node-postgres: a quarter of the CPU per statement
  // that Prisma's raw queries cost. The domain keeps Prisma, and a transactional outcome is written through the
  // Prisma transaction it belongs to. On SQLite there is one connection, and it is Prisma's.
  const storeClient =
    database.provider === 'postgresql' && !options.store
      ? createPgSqlClient({ url: database.target.url, max: config.storePoolSize })
      : null;
  const store =
    options.store?.(database) ??
    createSqlStore({
      client: storeClient ?? database.prisma,
      dialect: database.provider,
      ...(feed ? { changeFeed: feed } : {}),
    });
  const db = domainClient(database);

  const server = createServer();
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

  const makeContext = (http: HttpExchange): Context => {
    const asked = Number(http.header('x-demo-delay-ms'));
    return {
      caller: resolveCaller(http.header, config.apiKeys),
      http,
      db,
      engine,
      demoDelayMs:
        config.mode === 'demo' && Number.isFinite(asked)
          ? Math.min(Math.max(asked, 0), MAX_DEMO_DELAY_MS)
          : 0,
      adminToken: config.adminToken,
    };
  };

  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req, res, info }) =>
      makeContext(
        createExchange({
          headers: req.headers,
          setHeader: (name, value) => {
            if (!res.headersSent) res.setHeader(name, value);
          },
          isBatch: info.isBatchCall,
          requestId: res.getHeader('X-Request-Id') as string,
        }),
      ),
    // A single call answers with the status its procedure chose (201 on creation, a replay's stored status).
    responseMeta: ({ ctx, info, errors }) =>
      ctx?.http.status !== undefined && !info?.isBatchCall && errors.length === 0
        ? { status: ctx.http.status }
        : {},
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
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
      await feed?.close();
      await storeClient?.$disconnect();
      await database.prisma.$disconnect();
    },
  };
}
