// A faulty network between client and API, inside the test: per request it passes the exchange through, resets
// the connection before forwarding (the server never sees it), or forwards it, waits for the whole answer and
// then drops it (the server did the work; the client never hears). It records what it did to which key.
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'pass' | 'reset-before' | 'drop-after';

export interface FaultyProxy {
  url: string;
  /** Per key, the fault applied to each attempt, in order. */
  readonly log: Map<string, Fault[]>;
  close(): Promise<void>;
}

/** The keys idem's link sends: one per operation of a batch, in its keys header. */
export function linkKeys(req: IncomingMessage): string[] {
  try {
    return Object.values(
      JSON.parse(String(req.headers['x-idempotency-keys'] ?? '{}')) as Record<string, string>,
    );
  } catch {
    return [];
  }
}

/** The key a plain HTTP client sends in one header (e.g. seed 002's SDK: `Idempotency-Key`). */
export const headerKey =
  (name: string) =>
  (req: IncomingMessage): string[] => {
    const value = req.headers[name.toLowerCase()];
    return typeof value === 'string' ? [value] : [];
  };

export async function startFaultyProxy(
  target: string,
  plan: (keys: string[], attempt: number) => Fault,
  keysOf: (req: IncomingMessage) => string[] = linkKeys,
): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const log = new Map<string, Fault[]>();
  const server: Server = createServer((req, res) => {
    const keys = keysOf(req);
    const attempt = Math.max(0, ...keys.map((k) => log.get(k)?.length ?? 0));
    const fault = plan(keys, attempt);
    for (const k of keys) log.set(k, [...(log.get(k) ?? []), fault]);
    if (fault === 'reset-before') {
      req.socket.destroy();
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          if (fault === 'drop-after') {
            res.socket?.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    forward.on('error', () => res.socket?.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A small seeded PRNG (mulberry32), so a failing plan can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
