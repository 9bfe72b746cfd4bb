// @idem/trpc/adapters/express: idem for tRPC's Express adapter, in one line.
import type { AnyTRPCRouter } from '@trpc/server';
import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import type { NodeHTTPHandlerOptions } from '@trpc/server/adapters/node-http';
import type { Request, Response } from 'express';
import { nodeExchange } from './node.ts';
import { wrapOptions } from './wrap.ts';

/**
 * Adds what idem needs to createExpressMiddleware's options (see @idem/trpc/adapters/standalone).
 *
 * @example
 * app.use('/trpc', createExpressMiddleware(withIdempotency({ router: appRouter, createContext })));
 */
export function withIdempotency<TRouter extends AnyTRPCRouter>(
  options: NodeHTTPHandlerOptions<TRouter, Request, Response>,
): NodeHTTPHandlerOptions<TRouter, Request, Response> {
  return wrapOptions(
    options as NodeHTTPHandlerOptions<TRouter, Request, Response> & { createContext?: never },
    (opts: CreateExpressContextOptions) =>
      nodeExchange(opts.req, opts.res, { isBatch: opts.info.isBatchCall }),
  );
}
