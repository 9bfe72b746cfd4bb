// What the middleware needs from HTTP, whatever the adapter: request headers, the raw body for byte-exact
// policies, a request id, and a way to set response headers and the success status. The adapter helpers
// (@idem/trpc/adapters/*) put one in the context; a call without HTTP (createCaller in a script) has none, and
// then only natural keys or a key function can name its key.
import { BATCH_KEYS_HEADER, REPLAYED_KEYS_HEADER } from '../protocol.ts';

export interface HttpExchange {
  /** Ties the request to its events: the caller's X-Request-Id when it looks like a tracing id, else our own. */
  readonly requestId: string;
  /** A request header, case-insensitively; repeated headers joined by ", "; undefined when absent. */
  header(name: string): string | undefined;
  /**
   * Every value a header was sent with, when the adapter can tell repeated headers apart (Node's adapters); one
   * joined value otherwise (fetch's Headers join them).
   */
  headerValues(name: string): readonly string[];
  /** The raw request body when the edge kept it (a REST door does), for byte-exact comparison. */
  readonly rawBody: string | undefined;
  /** Whether this HTTP request carries a batch of operations. */
  readonly isBatch: boolean;
  /** The server cut the request's headers at its limit: a key header may be among those dropped (431). */
  readonly headersTruncated: boolean;
  /** What support staff see of the request: its route, the client's user agent and address. */
  readonly client: ClientFacts;
  /** The request's headers (lower-case names, repeated ones joined), for the request log; secrets are redacted there. */
  requestHeaders(): Record<string, string>;
  /** When the exchange began (Date.now()). */
  readonly receivedAt: number;
  /**
   * Whether the door reports what it sent (`responded`): then each call is logged with the answer exactly as sent.
   * Otherwise idem logs each call with the status and decision it knows, without the body.
   */
  readonly reportsResponse: boolean;
  /** Calls `listener` once the door has sent the response (see responded). */
  onResponse(listener: (sent: SentResponse) => void): void;
  /** The door says what it sent, once the response went out: its status, headers and body (bounded). */
  responded(sent: SentResponse): void;
  setHeader(name: string, value: string): void;
  /** The success status to answer with (201 for a creation); undefined means the adapter's default. */
  status: number | undefined;
  /** Records that the operation under this key was a replay. */
  markReplayed(key: string): void;
  /** The keys marked as replays in this exchange. */
  readonly replayed: readonly string[];
}

/** A response as it was sent. */
export interface SentResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number | readonly string[] | undefined>>;
  /** The body as sent (it may be cut at a bound); null when the door could not see it. */
  readonly body: string | null;
}

export interface ClientFacts {
  readonly method?: string;
  readonly route?: string;
  readonly userAgent?: string;
  readonly address?: string;
}

type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ExchangeInit {
  headers: HeaderSource;
  /** Header name and value pairs as received (Node's rawHeaders), to tell repeated headers apart. */
  rawHeaders?: readonly string[];
  setHeader(name: string, value: string): void;
  rawBody?: string;
  isBatch?: boolean;
  requestId?: string;
  headersTruncated?: boolean;
  client?: ClientFacts;
  /** The door will call `responded` with what it sent (see HttpExchange.reportsResponse). */
  reportsResponse?: boolean;
}

// A caller's X-Request-Id is kept (it ties our events to its logs) when it looks like a tracing id; anything
// else (markup, spaces, a paragraph) is replaced by our own, since staff read these ids in the dashboard.
const TRACE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's request id when it looks like one, else a new UUID. */
export function requestIdOf(header: string | undefined): string {
  return header !== undefined && TRACE_ID.test(header) ? header : globalThis.crypto.randomUUID();
}

/** The client facts the door gave, with the user agent from the headers when the door did not name it. */
function clientOf(given: ClientFacts | undefined, read: (name: string) => string | undefined): ClientFacts {
  if (given?.userAgent !== undefined) return given;
  const userAgent = read('user-agent');
  return userAgent === undefined ? (given ?? {}) : { ...given, userAgent: userAgent.slice(0, 300) };
}

/**
 * Builds an exchange from headers and a header setter: the shared core of every adapter helper.
 *
 * @example
 * createContext: ({ req, resHeaders, info }) => ({ ...withExchange(createExchange({ headers: req.headers,
 *   setHeader: (n, v) => resHeaders.set(n, v), isBatch: info.isBatchCall })) })
 */
export function createExchange(init: ExchangeInit): HttpExchange {
  const { headers } = init;
  const read = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : (value as string | undefined);
  };
  const values = (name: string): readonly string[] => {
    const raw = init.rawHeaders;
    if (raw !== undefined) {
      const lower = name.toLowerCase();
      const found: string[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2)
        if (raw[i]!.toLowerCase() === lower) found.push(raw[i + 1]!);
      return found;
    }
    const value = read(name);
    return value === undefined ? [] : [value];
  };
  const replayed: string[] = [];
  let listeners: ((sent: SentResponse) => void)[] | null = [];
  const allHeaders = (): Record<string, string> => {
    const out: Record<string, string> = {};
    if (headers instanceof Headers) {
      headers.forEach((value, name) => {
        out[name] = value;
      });
    } else
      for (const [name, value] of Object.entries(headers))
        if (value !== undefined)
          out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    return out;
  };
  return {
    requestId: init.requestId ?? requestIdOf(read('x-request-id')),
    header: read,
    headerValues: values,
    rawBody: init.rawBody,
    isBatch: init.isBatch ?? false,
    headersTruncated: init.headersTruncated ?? false,
    client: clientOf(init.client, read),
    requestHeaders: allHeaders,
    receivedAt: Date.now(),
    reportsResponse: init.reportsResponse ?? false,
    onResponse(listener) {
      listeners?.push(listener);
    },
    responded(sent) {
      const called = listeners;
      listeners = null;
      for (const listener of called ?? []) {
        try {
          listener(sent);
        } catch (error) {
          console.error('[idem] could not log a response:', error);
        }
      }
    },
    setHeader: init.setHeader,
    status: undefined,
    markReplayed(key) {
      if (!replayed.includes(key)) replayed.push(key);
      init.setHeader(REPLAYED_KEYS_HEADER, JSON.stringify(replayed));
    },
    replayed,
  };
}

/** The key an operation carries: its slot in the batch-keys header, else every value of the policy's header. */
export function keyHeaderValues(http: HttpExchange, header: string, batchIndex: number): readonly string[] {
  const batch = http.header(BATCH_KEYS_HEADER);
  if (batch !== undefined) {
    try {
      const map = JSON.parse(batch) as Record<string, unknown>;
      const key = map[String(batchIndex)];
      if (typeof key === 'string') return [key];
    } catch {
      // A malformed batch header names no key; the policy's header may still.
    }
  }
  return http.headerValues(header);
}

// Symbol.for: two copies of this package in one app (a bundler's duplicate) still find each other's exchange.
const EXCHANGE = Symbol.for('@idem/trpc.exchange');

/**
 * The context fragment that carries an exchange: spread it into what createContext returns (the adapter helpers
 * do it for you).
 *
 * @example
 * createCaller({ ...ctx, ...withExchange(createExchange({ headers, setHeader })) })
 */
export function withExchange(exchange: HttpExchange): { readonly [EXCHANGE]: HttpExchange } {
  return { [EXCHANGE]: exchange };
}

/** The exchange a context carries, if any. */
export function exchangeOf(ctx: unknown): HttpExchange | undefined {
  return ctx !== null && typeof ctx === 'object'
    ? (ctx as { [EXCHANGE]?: HttpExchange })[EXCHANGE]
    : undefined;
}
