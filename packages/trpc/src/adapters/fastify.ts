// @idem/trpc/adapters/fastify: idem for tRPC's Fastify plugin, in one line.
import type { AnyTRPCRouter } from '@trpc/server';
import type { CreateFastifyContextOptions, FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { nodeExchange } from './node.ts';
import { wrapOptions } from './wrap.ts';

type TrpcOptions<TRouter extends AnyTRPCRouter> = FastifyTRPCPluginOptions<TRouter>['trpcOptions'];

/**
 * Adds what idem needs to the Fastify plugin's `trpcOptions` (see @idem/trpc/adapters/standalone).
 *
 * @example
 * await server.register(fastifyTRPCPlugin, {
 *   prefix: '/trpc',
 *   trpcOptions: withIdempotency({ router: appRouter, createContext }),
 * });
 */
export function withIdempotency<TRouter extends AnyTRPCRouter>(
  options: TrpcOptions<TRouter>,
): TrpcOptions<TRouter> {
  return wrapOptions(
    options as TrpcOptions<TRouter> & { createContext?: never },
    (opts: CreateFastifyContextOptions) =>
      nodeExchange(
        opts.req.raw,
        {
          getHeader: (name) => opts.res.getHeader(name),
          setHeader: (name, value) => opts.res.header(name, value),
          get headersSent() {
            return opts.res.sent;
          },
        },
        { isBatch: opts.info.isBatchCall, capture: opts.res.raw },
      ),
  );
}
