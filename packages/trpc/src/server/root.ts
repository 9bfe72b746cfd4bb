import type { TRPCRootObject } from '@trpc/server';

/**
 * The part of a tRPC root object (`initTRPC.context<Ctx>().create(…)`) idem uses: its middleware factory, typed
 * with the app's context and meta, whatever its transformer and error formatter.
 */
export type RootLike<TCtx extends object, TMeta extends object> = Pick<
  // biome-ignore lint/suspicious/noExplicitAny: any options and root types; only the middleware factory is used
  TRPCRootObject<TCtx, TMeta, any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  'middleware'
>;
