// A duplicate storm: n copies of one request, spread round-robin over several API processes, each held one
// byte short of complete until every connection is open and written, then released in the same tick.
import { holdRequest, type RawRequest, type RawResponse } from './raw-http.ts';

export async function storm(urls: readonly string[], n: number, request: RawRequest): Promise<RawResponse[]> {
  const held = await Promise.all(
    Array.from({ length: n }, (_, i) => holdRequest(urls[i % urls.length]!, request)),
  );
  for (const h of held) h.release();
  return Promise.all(held.map((h) => h.response));
}

export const API_KEY = 'demo-key-a';

/** POST /v1/usage (seed 003: transactional insert, duplicates serialised then refused with 409). */
export function usageRequest(key: string, usageId: string): RawRequest {
  return {
    path: '/v1/usage',
    headers: [
      ['Content-Type', 'application/json'],
      ['X-Api-Key', API_KEY],
      ['X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY', key],
    ],
    body: JSON.stringify({
      order_id: 'ord_reliability',
      internal_usage_id: usageId,
      quantity: 1,
      occurred_at: '2026-11-27T10:00:00Z',
    }),
  };
}

/** POST /v1/events/trigger (seed 002: transactional insert, an in-flight duplicate is refused at once). */
export function triggerRequest(key: string, subscriberId: string): RawRequest {
  return {
    path: '/v1/events/trigger',
    headers: [
      ['Content-Type', 'application/json'],
      ['X-Api-Key', API_KEY],
      ['Idempotency-Key', key],
    ],
    body: JSON.stringify({ name: 'welcome', to: { subscriberId }, payload: { storm: true } }),
  };
}
