// An exchange over Node's request and response (the standalone, node-http and Express adapters; Fastify's raw
// request). Node tells repeated headers apart (rawHeaders), and cuts a request's headers at the server's
// maxHeadersCount (1000 by default): a request that reaches the limit may have lost its key header.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ClientFacts, createExchange, type HttpExchange, requestIdOf } from '../server/exchange.ts';

const DEFAULT_MAX_HEADERS = 1000;
/** Bytes of a response body kept for the request log (the engine bounds what it stores further). */
const CAPTURED_BYTES = 64 * 1024;

/**
 * Keeps the first bytes a response writes and, once it is finished, tells the exchange what was sent: the
 * request log then holds the answer exactly as the client got it (D7).
 */
function captureResponse(res: ServerResponse, exchange: HttpExchange): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  const keep = (chunk: unknown, encoding: unknown): void => {
    if (kept >= CAPTURED_BYTES || chunk === undefined || chunk === null || typeof chunk === 'function')
      return;
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
          : null;
    if (buffer === null) return;
    const part = buffer.subarray(0, CAPTURED_BYTES - kept);
    chunks.push(Buffer.from(part));
    kept += part.byteLength;
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return write(...args);
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return end(...args);
  }) as ServerResponse['end'];
  res.once('finish', () => {
    exchange.responded({
      status: res.statusCode,
      headers: res.getHeaders() as Record<string, string | number | string[] | undefined>,
      body: Buffer.concat(chunks).toString('utf8'),
    });
  });
}

/** Where the request came in and from whom (the user agent is read by createExchange). */
function clientFacts(req: IncomingMessage): ClientFacts {
  const client: { method?: string; route?: string; address?: string } = {};
  if (req.method) client.method = req.method;
  if (req.url) {
    const query = req.url.indexOf('?');
    client.route = (query === -1 ? req.url : req.url.slice(0, query)).slice(0, 500);
  }
  const address = req.socket?.remoteAddress;
  if (address) client.address = address;
  return client;
}

function headersTruncated(req: IncomingMessage): boolean {
  const server = (req.socket as { server?: { maxHeadersCount?: number | null } } | null)?.server;
  const limit = server?.maxHeadersCount || DEFAULT_MAX_HEADERS;
  return req.rawHeaders.length / 2 >= limit;
}

/**
 * An exchange for a Node request; `setHeader` reaches the response (until its headers are sent). The request id is
 * the response's X-Request-Id when the app set one, else the caller's when it looks like a tracing id, else a new
 * one; the response says which (X-Request-Id), so a caller can quote it.
 */
export function nodeExchange(
  req: IncomingMessage,
  res: {
    getHeader(name: string): unknown;
    setHeader(name: string, value: string): unknown;
    headersSent: boolean;
  },
  options: {
    isBatch?: boolean;
    rawBody?: string;
    /** The response whose bytes are logged as sent (default `res` itself when it is Node's). */
    capture?: ServerResponse;
  } = {},
): HttpExchange {
  const { capture: captureOption, ...rest } = options;
  const capture =
    captureOption ??
    (typeof (res as Partial<ServerResponse>).write === 'function' &&
    typeof (res as Partial<ServerResponse>).once === 'function'
      ? (res as ServerResponse)
      : undefined);
  const setHeader = (name: string, value: string): void => {
    if (!res.headersSent) res.setHeader(name, value);
  };
  const given = res.getHeader('x-request-id');
  const requestId =
    typeof given === 'string'
      ? given
      : requestIdOf(
          typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : undefined,
        );
  if (given === undefined) setHeader('X-Request-Id', requestId);
  const exchange: HttpExchange = createExchange({
    requestId,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    setHeader,
    headersTruncated: headersTruncated(req),
    client: clientFacts(req),
    reportsResponse: capture !== undefined,
    ...rest,
  });
  // Hooked before tRPC writes anything (createContext runs first): the whole answer is seen.
  if (capture !== undefined) captureResponse(capture, exchange);
  return exchange;
}
