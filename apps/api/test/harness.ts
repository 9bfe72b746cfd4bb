// A started API over a fresh database of either kind, and plain HTTP helpers for the seeds' requests.
import { createTestDatabase, type TestDatabase } from '../src/db/testing.ts';
import { type ApiServer, startApiServer } from '../src/server.ts';
import { loadConfig } from '../src/env.ts';

export const KEY_A = 'demo-key-a';
export const KEY_B = 'demo-key-b';

export interface Harness {
  api: ApiServer;
  database: TestDatabase;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function send(url: string, init: RequestInit): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function startHarness(provider: 'sqlite' | 'postgresql'): Promise<Harness> {
  const database = await createTestDatabase(provider);
  const api = await startApiServer(
    loadConfig({ PORT: '0', DATABASE_URL: database.url, IDEM_MODE: 'demo', IDEM_PURGE_INTERVAL_MS: '0' }),
  );
  return {
    api,
    database,
    post: (path, body, headers = {}) =>
      send(`${api.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY_A, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    close: async () => {
      await api.close();
      await database.drop();
    },
  };
}

export const uniqueKey = (prefix = 'k') => `${prefix}-${crypto.randomUUID()}`;
