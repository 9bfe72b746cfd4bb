import { publicProcedure, router } from '../trpc.ts';
import { adminRouter } from './admin.ts';
import { noticiaRouter } from './noticia.ts';
import { novuRouter } from './novu.ts';
import { numoraRouter } from './numora.ts';
import { salesbricksRouter } from './salesbricks.ts';
import { shelfcycleRouter } from './shelfcycle.ts';

/** The API: one route group per seed document. */
export const appRouter = router({
  health: publicProcedure.query(({ ctx }) => ({ ok: true, store: ctx.engine.store.kind })),
  noticia: noticiaRouter,
  shelfcycle: shelfcycleRouter,
  novu: novuRouter,
  salesbricks: salesbricksRouter,
  numora: numoraRouter,
  /** The dashboard's server only: needs IDEM_ADMIN_TOKEN (D1–D5). */
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
