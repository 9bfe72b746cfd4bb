// An exchange over Node's request and response (the standalone, node-http and Express adapters; Fastify's raw
// request). Node tells repeated headers apart (rawHeaders), and cuts a request's headers at the server's
// maxHeadersCount (1000 by default): a request that reaches the limit may have lost its key header.
import type { IncomingMessage } from 'node:http';
import { createExchange, type HttpExchange, requestIdOf } from '../server/exchange.ts';

const DEFAULT_MAX_HEADERS = 1000;

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
  options: { isBatch?: boolean; rawBody?: string } = {},
): HttpExchange {
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
  return createExchange({
    requestId,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    setHeader,
    headersTruncated: headersTruncated(req),
    client: {
      ...(req.method ? { method: req.method } : {}),
      ...(req.url ? { route: req.url.split('?')[0]!.slice(0, 500) } : {}),
      ...(req.socket?.remoteAddress ? { address: req.socket.remoteAddress } : {}),
    },
    ...options,
  });
}
