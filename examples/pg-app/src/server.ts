// The app's HTTP server: tRPC on Express at /trpc, with idem's helper for the Express adapter (it gives idem each
// call's headers and applies the statuses procedures and refusals choose). Prints `listening <port>` when ready.
import { createEngine } from '@idem/core';
import { pgStore } from '@idem/core/pg';
import { withIdempotency } from '@idem/trpc/adapters/express';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express from 'express';
import { contextFrom } from './auth.js';
import { openDatabase } from './db.js';
import { loadEnv } from './env.js';
import { createAppRouter } from './router.js';

const env = loadEnv();
const pool = await openDatabase(env.databaseUrl);
// One engine per process; any number of processes may share the database.
const engine = createEngine({ store: pgStore({ pool }) });
const appRouter = createAppRouter({ pool, engine, env });

const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
app.use(
  '/trpc',
  createExpressMiddleware(
    withIdempotency({ router: appRouter, createContext: ({ req }) => contextFrom(req.headers, env) }),
  ),
);

const server = app.listen(env.port, env.host, () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : env.port}`);
});

// Stop taking requests, write the events still buffered (the dashboard's timelines), then let the pool go.
async function stop() {
  server.close();
  await engine.close();
  await engine.store.close();
  await pool.end();
  process.exit(0);
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
