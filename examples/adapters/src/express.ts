// tRPC's Express adapter, with idem's helper: one line.
import { withIdempotency } from '@idem/trpc/adapters/express';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express from 'express';
import { appRouter, userFrom } from './router.js';

const app = express();
app.use(
  '/',
  createExpressMiddleware(
    withIdempotency({ router: appRouter, createContext: ({ req }) => userFrom(req.headers['x-user-id']) }),
  ),
);
const server = app.listen(Number(process.env.PORT ?? 3003), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
