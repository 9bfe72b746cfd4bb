// The admin router's type for clients (idem's dashboard and CLI, or your own): the procedures' inputs and outputs
// do not depend on the host app, so one canonical instance describes every mounted copy. Clients prefix their
// calls with the path the host mounted it at (see mountedAt).
import { initTRPC } from '@trpc/server';
import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { createAdminRouter } from './router.ts';

// Never called: its return type is the router's type. The transformer slot is filled so clients pass theirs
// (superjson for a host that uses it, an identity one otherwise).
function _canonical() {
  const t = initTRPC.create({
    transformer: { serialize: (v: unknown) => v, deserialize: (v: unknown) => v },
  });
  return createAdminRouter(t, undefined as never);
}

/** The admin router as a client sees it. */
export type AdminRouter = ReturnType<typeof _canonical>;

/**
 * A client link that sends calls of a client typed `createTRPCClient<AdminRouter>` to where the host mounted the
 * router (`idemAdmin` in `t.router({ idemAdmin: createAdminRouter(…) })`).
 *
 * @example
 * createTRPCClient<AdminRouter>({ links: [mountedAt('idemAdmin'), httpLink({ url, transformer: superjson })] })
 */
export function mountedAt(path: string): TRPCLink<AdminRouter> {
  const prefix = path.replace(/^\.+|\.+$/g, '');
  return () =>
    ({ op, next }) =>
      observable((observer) =>
        next({ ...op, path: prefix ? `${prefix}.${op.path}` : op.path }).subscribe(observer),
      );
}
