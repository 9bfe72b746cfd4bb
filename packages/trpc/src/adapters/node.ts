// An exchange over Node's request and response (the standalone, node-http and Express adapters; Fastify's raw
// request). Node tells repeated headers apart (rawHeaders), and cuts a request's headers at the server's
// maxHeadersCount (1000 by default): a request that reaches the limit may have lost its key header.
import type { IncomingMessage } from 'node:http';
import { createExchange, type HttpExchange } from '../server/exchange.ts';

const DEFAULT_MAX_HEADERS = 1000;

function headersTruncated(req: IncomingMessage): boolean {
  const server = (req.socket as { server?: { maxHeadersCount?: number | null } } | null)?.server;
  const limit = server?.maxHeadersCount || DEFAULT_MAX_HEADERS;
  return req.rawHeaders.length / 2 >= limit;
}

/** An exchange for a Node request; `setHeader` reaches the response (until its headers are sent). */
export function nodeExchange(
  req: IncomingMessage,
  setHeader: (name: string, value: string) => void,
  options: { isBatch?: boolean; rawBody?: string } = {},
): HttpExchange {
  return createExchange({
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
