// What a browser on another origin needs to call an idempotent API: the preflight must allow the key headers,
// and the response must expose the replay headers, or the browser hides them from idem's client.
import { BATCH_KEYS_HEADER, ENVELOPE_HEADER, REPLAYED_KEYS_HEADER } from '../protocol.ts';

/** Request headers idem's client sends (besides your own, such as an authorization header). */
export const IDEMPOTENCY_REQUEST_HEADERS: readonly string[] = [
  'Idempotency-Key',
  BATCH_KEYS_HEADER,
  ENVELOPE_HEADER,
  'X-Request-Id',
];

/** Response headers idem sets that a browser must be allowed to read. */
export const IDEMPOTENCY_RESPONSE_HEADERS: readonly string[] = [
  'Idempotent-Replayed',
  'Idempotency-Replay',
  REPLAYED_KEYS_HEADER,
  'Retry-After',
  'X-Request-Id',
];

export interface IdempotencyCorsOptions {
  /** Origins allowed to call, exactly as browsers send them (`https://app.example.com`), or a test. */
  origins: readonly string[] | ((origin: string) => boolean);
  /** Your own request headers (authorization, x-api-key, a policy's own key header …). */
  allowHeaders?: readonly string[];
  /** Your own response headers a page must read. */
  exposeHeaders?: readonly string[];
  /** Allow cookies and HTTP authentication (Access-Control-Allow-Credentials). Default false. */
  credentials?: boolean;
  /** How long a browser may cache a preflight, in seconds (default 600). */
  maxAgeSeconds?: number;
}

export interface IdempotencyCors {
  /** The CORS headers for an answer to `origin` (empty when the origin is not allowed). */
  headers(origin: string | null | undefined, preflight: boolean): Record<string, string>;
  /** A fetch handler's answer to a preflight (OPTIONS), or null for any other request. */
  preflight(request: Request): Response | null;
  /** A fetch handler's response with the CORS headers added. */
  apply(request: Request, response: Response): Response;
}

/**
 * CORS for idem's headers.
 *
 * @example
 * const cors = idempotencyCors({ origins: ['https://app.example.com'], allowHeaders: ['authorization'] });
 * export async function POST(req: Request) {
 *   return cors.preflight(req) ?? cors.apply(req, await fetchRequestHandler(…));
 * }
 * // Node: for (const [n, v] of Object.entries(cors.headers(req.headers.origin, req.method === 'OPTIONS'))) res.setHeader(n, v);
 */
export function idempotencyCors(options: IdempotencyCorsOptions): IdempotencyCors {
  const allowed =
    typeof options.origins === 'function'
      ? options.origins
      : (
          (list: readonly string[]) => (origin: string) =>
            list.includes(origin)
        )(options.origins);
  const allowHeaders = [...IDEMPOTENCY_REQUEST_HEADERS, 'Content-Type', ...(options.allowHeaders ?? [])].join(
    ', ',
  );
  const exposeHeaders = [...IDEMPOTENCY_RESPONSE_HEADERS, ...(options.exposeHeaders ?? [])].join(', ');
  const headers = (origin: string | null | undefined, preflight: boolean): Record<string, string> => {
    if (!origin || !allowed(origin)) return {};
    const out: Record<string, string> = { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
    if (options.credentials) out['Access-Control-Allow-Credentials'] = 'true';
    if (preflight) {
      out['Access-Control-Allow-Methods'] = 'GET, POST, OPTIONS';
      out['Access-Control-Allow-Headers'] = allowHeaders;
      out['Access-Control-Max-Age'] = String(options.maxAgeSeconds ?? 600);
    } else out['Access-Control-Expose-Headers'] = exposeHeaders;
    return out;
  };
  return {
    headers,
    preflight(request) {
      if (request.method !== 'OPTIONS') return null;
      return new Response(null, { status: 204, headers: headers(request.headers.get('origin'), true) });
    },
    apply(request, response) {
      const extra = headers(request.headers.get('origin'), false);
      if (Object.keys(extra).length === 0) return response;
      const merged = new Headers(response.headers);
      for (const [name, value] of Object.entries(extra)) merged.set(name, value);
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers: merged,
      });
    },
  };
}
