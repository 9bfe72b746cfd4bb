// tRPC's fetch adapter (Next.js route handlers, Bun, Deno, Cloudflare Workers), with idem's helper: one line.
// Served here by Node's own server through a tiny Request/Response bridge; on Bun or Deno, pass `handler` to
// Bun.serve or Deno.serve instead.
import { createServer } from 'node:http';
import { withIdempotency } from '@idem/trpc/adapters/fetch';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter, userFrom } from './router.js';

export const handler = (req: Request): Promise<Response> =>
  fetchRequestHandler(
    withIdempotency({
      endpoint: '/',
      req,
      router: appRouter,
      createContext: ({ req: request }) => userFrom(request.headers.get('x-user-id')),
    }),
  );

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const body = chunks.length > 0 ? Buffer.concat(chunks) : null;
  const response = await handler(
    new Request(`http://${req.headers.host}${req.url}`, { method: req.method ?? 'GET', headers, body }),
  );
  res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
  // Streamed as it comes: httpBatchStreamLink's answers arrive procedure by procedure.
  const reader = response.body?.getReader();
  for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read())
    res.write(chunk.value);
  res.end();
});
server.listen(Number(process.env.PORT ?? 3002), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
