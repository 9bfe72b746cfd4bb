import { createAdminRouter, tokenAccess } from '@idem/admin';
import superjson from 'superjson';
import { publicProcedure, router, t } from '../trpc.ts';
import { noticiaRouter } from './noticia.ts';
import { novuRouter } from './novu.ts';
import { numoraRouter } from './numora.ts';
import { salesbricksRouter } from './salesbricks.ts';
import { shelfcycleRouter } from './shelfcycle.ts';

// The dashboard's server (and the CLI) hold IDEM_ADMIN_TOKEN; the person they act for comes with a role.
const accessByToken = new Map<string, ReturnType<typeof tokenAccess>>();
const accessFor = (token: string) => {
  let access = accessByToken.get(token);
  if (access === undefined) {
    access = tokenAccess({ token });
    accessByToken.set(token, access);
  }
  return access;
};

/** The API: one route group per seed document, and idem's admin router for support tools. */
export const appRouter = router({
  health: publicProcedure.query(({ ctx }) => ({ ok: true, store: ctx.engine.store.kind })),
  noticia: noticiaRouter,
  shelfcycle: shelfcycleRouter,
  novu: novuRouter,
  salesbricks: salesbricksRouter,
  numora: numoraRouter,
  /** The dashboard's server and the CLI only: needs IDEM_ADMIN_TOKEN (D1–D8). */
  idemAdmin: createAdminRouter(t, {
    engine: (ctx) => ctx.engine,
    access: (ctx) => accessFor(ctx.adminToken)(ctx),
    fingerprintSecret: (ctx) => ctx.adminToken,
    storedValues: superjson,
  }),
});

export type AppRouter = typeof appRouter;
