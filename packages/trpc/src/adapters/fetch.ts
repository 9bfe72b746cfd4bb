// @idem/trpc/adapters/fetch: idem for tRPC's fetch adapter, in one line: Next.js App Router route handlers, Bun,
// Deno, Cloudflare Workers. Nothing here needs Node.
import type { AnyTRPCRouter } from '@trpc/server';
import type { FetchCreateContextFnOptions, FetchHandlerRequestOptions } from '@trpc/server/adapters/fetch';
import { createExchange, requestIdOf } from '../server/exchange.ts';
import { wrapOptions } from './wrap.ts';

/**
 * Adds what idem needs to fetchRequestHandler's options (see @idem/trpc/adapters/standalone). Repeated headers
 * arrive joined by the Fetch API, so a key header sent twice is taken as one value here.
 *
 * @example
 * // app/api/trpc/[trpc]/route.ts
 * const handler = (req: Request) =>
 *   fetchRequestHandler(withIdempotency({ endpoint: '/api/trpc', req, router: appRouter, createContext }));
 * export { handler as GET, handler as POST };
 */
export function withIdempotency<TRouter extends AnyTRPCRouter>(
  options: FetchHandlerRequestOptions<TRouter>,
): FetchHandlerRequestOptions<TRouter> {
  return wrapOptions(
    options as FetchHandlerRequestOptions<TRouter> & { createContext?: never },
    (opts: FetchCreateContextFnOptions) => {
      const url = new URL(opts.req.url);
      const requestId =
        opts.resHeaders.get('x-request-id') ?? requestIdOf(opts.req.headers.get('x-request-id') ?? undefined);
      opts.resHeaders.set('X-Request-Id', requestId);
      return createExchange({
        requestId,
        headers: opts.req.headers,
        setHeader: (name, value) => opts.resHeaders.set(name, value),
        isBatch: opts.info.isBatchCall,
        client: {
          method: opts.req.method,
          route: url.pathname.slice(0, 500),
          ...(opts.req.headers.get('x-forwarded-for')
            ? { address: opts.req.headers.get('x-forwarded-for')!.split(',')[0]!.trim().slice(0, 100) }
            : {}),
        },
      });
    },
  );
}
