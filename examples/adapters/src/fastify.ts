// tRPC's Fastify plugin, with idem's helper: one line.
import { withIdempotency } from '@idem/trpc/adapters/fastify';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify from 'fastify';
import { appRouter, userFrom } from './router.js';

const server = Fastify();
await server.register(fastifyTRPCPlugin, {
  prefix: '',
  trpcOptions: withIdempotency({
    router: appRouter,
    createContext: ({ req }) => userFrom(req.headers['x-user-id']),
  }),
});
const address = await server.listen({ port: Number(process.env.PORT ?? 3004), host: '127.0.0.1' });
console.log(`listening ${new URL(address).port}`);
