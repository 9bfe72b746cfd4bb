// The tRPC endpoint as an App Router route handler: tRPC's fetch adapter with idem's helper, and the CORS
// headers a page on another origin needs to send keys and read the replay headers.
import { withIdempotency } from '@idem/trpc/adapters/fetch';
import { idempotencyCors } from '@idem/trpc';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '../../../../src/router';

export const dynamic = 'force-dynamic';

const cors = idempotencyCors({
  // The origins your pages are served from, e.g. ALLOWED_ORIGINS=https://shop.example.com
  origins: (origin) => (process.env.ALLOWED_ORIGINS ?? '').split(',').includes(origin),
  allowHeaders: ['x-user-id'],
});

async function handler(req: Request): Promise<Response> {
  const response = await fetchRequestHandler(
    withIdempotency({
      endpoint: '/api/trpc',
      req,
      router: appRouter,
      createContext: ({ req: request }) => ({ userId: request.headers.get('x-user-id') || null }),
    }),
  );
  return cors.apply(req, response);
}

export { handler as GET, handler as POST };

export function OPTIONS(req: Request): Response {
  return cors.preflight(req) ?? new Response(null, { status: 204 });
}
