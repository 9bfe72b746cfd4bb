'use client';
// A page that places orders through idem's client link: one key per order, reused when the same order is sent
// again (as after a dropped response), and the replay reported as a flag. `?api=` points it at an API on
// another origin (CORS), as a shop front on its own domain would call its API.
import { idempotencyHeaders, idempotencyLink, idempotencyOf } from '@idem/trpc/client';
import { createTRPCClient, httpLink } from '@trpc/client';
import { useMemo, useState } from 'react';
import superjson from 'superjson';
import type { AppRouter } from '../src/router';

function apiUrl(): string {
  if (typeof window === 'undefined') return '/api/trpc';
  return new URLSearchParams(window.location.search).get('api') ?? '/api/trpc';
}

export default function Page() {
  const client = useMemo(
    () =>
      createTRPCClient<AppRouter>({
        links: [
          idempotencyLink({ retry: { attempts: 3 } }),
          httpLink({
            url: apiUrl(),
            transformer: superjson,
            headers: idempotencyHeaders({ 'x-user-id': 'browser-user' }),
          }),
        ],
      }),
    [],
  );
  const [lastKey, setLastKey] = useState<string | null>(null);
  const [result, setResult] = useState<string>('');

  // Without a key the link mints one (UUIDv7); sending the same order again reuses it.
  async function place(key?: string) {
    try {
      const order = await client.orders.create.mutate(
        { sku: 'book', quantity: 1 },
        key === undefined ? undefined : { context: { idempotencyKey: key } },
      );
      const info = idempotencyOf(order);
      setLastKey(info?.key ?? null);
      setResult(JSON.stringify({ id: order.id, replayed: info?.replayed ?? null }));
    } catch (error) {
      setResult(JSON.stringify({ error: (error as Error).message }));
    }
  }

  return (
    <main>
      <h1>Orders</h1>
      <button type="button" onClick={() => place()}>
        Place an order
      </button>
      <button type="button" disabled={lastKey === null} onClick={() => lastKey && place(lastKey)}>
        Send the same order again
      </button>
      <pre data-testid="result">{result}</pre>
    </main>
  );
}
