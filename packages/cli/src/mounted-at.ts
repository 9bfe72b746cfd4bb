// Sends the admin client's calls to where the app mounted the router: `keys` becomes `idemAdmin.keys`. It is
// @idem/admin's mountedAt() link, restated: importing @idem/admin at run time loads its router, @trpc/server and
// zod, which tripled the CLI's startup time for a link of a few lines. The CLI takes only types from it.
import type { AdminRouter } from '@idem/admin';
import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';

/**
 * @example
 * createTRPCClient<AdminRouter>({ links: [mountedAt('idemAdmin'), httpLink({ url })] });
 */
export function mountedAt(path: string): TRPCLink<AdminRouter> {
  const prefix = path.replace(/^\.+|\.+$/g, '');
  return () =>
    ({ op, next }) =>
      observable((observer) =>
        next({ ...op, path: prefix ? `${prefix}.${op.path}` : op.path }).subscribe(observer),
      );
}
