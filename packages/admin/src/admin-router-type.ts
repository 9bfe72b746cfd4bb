// The admin router's type for clients (idem's dashboard and CLI, or your own): the procedures' inputs and outputs
// do not depend on the host app, so one canonical instance describes every mounted copy. Clients prefix their
// calls with the path the host mounted it at (see mounted-at.ts).
import { initTRPC } from '@trpc/server';
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
