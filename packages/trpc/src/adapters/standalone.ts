// @idem/trpc/adapters/standalone: idem for tRPC's standalone and node-http adapters, in one line.
import type { AnyTRPCRouter } from '@trpc/server';
import type { CreateHTTPContextOptions, CreateHTTPHandlerOptions } from '@trpc/server/adapters/standalone';
import { nodeExchange } from './node.ts';
import { wrapOptions } from './wrap.ts';

export { nodeExchange };

/**
 * Adds what idem needs to the standalone adapter's options: the call's HTTP exchange in the context (headers, the
 * request id, response headers) and a responseMeta that answers with the status a procedure chose and with
 * idem's refusal statuses. Your createContext and responseMeta still run.
 *
 * @example
 * createHTTPServer(withIdempotency({ router: appRouter, createContext })).listen(3000);
 */
export function withIdempotency<TRouter extends AnyTRPCRouter>(
  options: CreateHTTPHandlerOptions<TRouter>,
): CreateHTTPHandlerOptions<TRouter> {
  return wrapOptions(
    options as CreateHTTPHandlerOptions<TRouter> & { createContext?: never },
    (opts: CreateHTTPContextOptions) => nodeExchange(opts.req, opts.res, { isBatch: opts.info.isBatchCall }),
  );
}
