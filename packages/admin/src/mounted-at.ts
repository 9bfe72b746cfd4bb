// Sends an admin client's calls to where the host mounted the router: `keys` becomes `idemAdmin.keys`.
import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AdminRouter } from './admin-router-type.ts';

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
