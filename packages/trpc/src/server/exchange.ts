// What the middleware needs from HTTP, whatever the adapter: request headers, the raw body for byte-exact
// policies, a request id, and a way to set response headers and the success status. Put one in the tRPC
// context as `ctx.http` (createContext builds it from req/res); a call without HTTP (createCaller in a script)
// simply has none, and then only natural keys or an explicit key function can name its key.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

/** Request header carrying one key per operation of a batch: JSON object from batch index to key. */
export const BATCH_KEYS_HEADER = 'X-Idempotency-Keys';
/**
 * Response header listing the keys whose operations were replays, as a JSON array. idem's own clients read it
 * whatever the policy's replay header is called (or whether it has one), one flag per operation of a batch.
 */
export const REPLAYED_KEYS_HEADER = 'X-Idempotency-Replayed';

export interface HttpExchange {
  readonly requestId: string;
  /** A request header, case-insensitively; undefined when absent. */
  header(name: string): string | undefined;
  /** The raw request body when the edge kept it (the REST door does), for byte-exact comparison. */
  readonly rawBody: string | undefined;
  /** Whether this HTTP request carries a batch of operations. */
  readonly isBatch: boolean;
  setHeader(name: string, value: string): void;
  /** The success status to answer with (201 for a creation); undefined means the adapter's default. */
  status: number | undefined;
  /** Records that the operation under this key was a replay. */
  markReplayed(key: string): void;
  /** The keys marked as replays in this exchange. */
  readonly replayed: readonly string[];
}

export interface ExchangeInit {
  headers: Record<string, string | string[] | undefined> | Headers;
  setHeader(name: string, value: string): void;
  rawBody?: string;
  isBatch?: boolean;
  requestId?: string;
}

/**
 * Builds an exchange from headers and a header setter: the shared core of every adapter.
 *
 * @example
 * createContext: ({ req, res, info }) => ({ http: createExchange({ headers: req.headers,
 *   setHeader: (n, v) => res.setHeader(n, v), isBatch: info.isBatchCall }) })
 */
export function createExchange(init: ExchangeInit): HttpExchange {
  const read = (name: string): string | undefined => {
    if (init.headers instanceof Headers) return init.headers.get(name) ?? undefined;
    const value = init.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const replayed: string[] = [];
  const requestId = init.requestId ?? read('x-request-id') ?? randomUUID();
  return {
    requestId,
    header: read,
    rawBody: init.rawBody,
    isBatch: init.isBatch ?? false,
    setHeader: init.setHeader,
    status: undefined,
    markReplayed(key) {
      if (!replayed.includes(key)) replayed.push(key);
      init.setHeader(REPLAYED_KEYS_HEADER, JSON.stringify(replayed));
    },
    replayed,
  };
}

/** An exchange over Node's req/res (tRPC's standalone and node-http adapters). */
export function nodeExchange(
  req: IncomingMessage,
  res: ServerResponse,
  options: { isBatch?: boolean; rawBody?: string; requestId?: string } = {},
): HttpExchange {
  return createExchange({
    headers: req.headers,
    setHeader: (name, value) => {
      if (!res.headersSent) res.setHeader(name, value);
    },
    ...options,
  });
}

/** The key an operation carries: its slot in the batch header, else the policy's own header. */
export function keyFromExchange(http: HttpExchange, header: string, batchIndex: number): string | undefined {
  const batch = http.header(BATCH_KEYS_HEADER);
  if (batch !== undefined) {
    try {
      const map = JSON.parse(batch) as Record<string, unknown>;
      const key = map[String(batchIndex)];
      if (typeof key === 'string') return key;
    } catch {
      // A malformed batch header names no key; the policy's header may still.
    }
  }
  return http.header(header);
}
