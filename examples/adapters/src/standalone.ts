// tRPC's standalone adapter, with idem's helper: one line.
import { withIdempotency } from '@idem/trpc/adapters/standalone';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { appRouter, userFrom } from './router.js';

const server = createHTTPServer(
  withIdempotency({ router: appRouter, createContext: ({ req }) => userFrom(req.headers['x-user-id']) }),
);
server.listen(Number(process.env.PORT ?? 3001), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
