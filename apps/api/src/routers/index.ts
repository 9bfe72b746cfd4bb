import { publicProcedure, router } from '../trpc.ts';
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
});

export type AppRouter = typeof appRouter;
