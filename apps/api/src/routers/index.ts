import { createAdminRouter, tokenAccess } from '@idem/admin';
import superjson from 'superjson';
import { restRoutes } from '../rest/routes.ts';
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

/**
 * The names a customer knows each procedure by: its REST route, its tRPC route, the seed and preset it reproduces
 * (`POST /v1/usage`, `seed 003`, `salesbricks`), so support can search by any of them.
 */
const procedureNames: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  restRoutes.map((route) => {
    const [seed = '', presets = ''] = route.seed.replace(/\)$/, '').split(' (');
    return [
      route.procedure,
      [
        `${route.method} ${route.path}`,
        `POST /trpc/${route.procedure}`,
        `seed ${seed}`,
        ...presets.split(',').map((p) => p.trim()),
      ],
    ];
  }),
);

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
    callers: (ctx) => ctx.callerNames,
    procedures: () => procedureNames,
  }),
});

export type AppRouter = typeof appRouter;
