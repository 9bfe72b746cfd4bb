// A typed client that retries safely: one key per logical operation, reused on every retry, and replays
// reported as a flag. Run against any of the servers: `node dist/client.js http://127.0.0.1:3001`.
// With httpBatchStreamLink (whose headers leave before procedures finish) replays are still flagged.
import { idempotencyHeaders, idempotencyLink, idempotencyOf } from '@idem/trpc/client';
import { createTRPCClient, httpBatchStreamLink, httpLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from './router.js';

const url = process.argv[2] ?? 'http://127.0.0.1:3001';
const stream = process.argv[3] === 'stream';

const client = createTRPCClient<AppRouter>({
  links: [
    idempotencyLink({ retry: { attempts: 5 } }),
    (stream ? httpBatchStreamLink : httpLink)({
      url,
      transformer: superjson,
      headers: idempotencyHeaders({ 'x-user-id': 'alice' }),
    }),
  ],
});

const key = `example-${Date.now()}`;
const first = await client.createOrder.mutate(
  { sku: 'book', quantity: 1 },
  { context: { idempotencyKey: key } },
);
// The same operation again, as after a lost response: answered from the store, not run twice.
const again = await client.createOrder.mutate(
  { sku: 'book', quantity: 1 },
  { context: { idempotencyKey: key } },
);
console.log(
  JSON.stringify({
    first: { id: first.id, replayed: idempotencyOf(first)?.replayed ?? null, at: first.at instanceof Date },
    again: { id: again.id, replayed: idempotencyOf(again)?.replayed ?? null, at: again.at instanceof Date },
    orders: await client.orderCount.query(),
  }),
);
