// What every adapter helper does to an adapter's options: createContext also puts the call's exchange in the
// context, and responseMeta applies idem's statuses. The application's own createContext and responseMeta run as
// before, first.
import { type HttpExchange, withExchange } from '../server/exchange.ts';
import { composeResponseMeta, type ResponseMetaInput, type ResponseMetaResult } from './response-meta.ts';

export interface WrappableOptions<TContextOptions> {
  // biome-ignore lint/suspicious/noExplicitAny: the adapter's own createContext signature
  createContext?: (opts: TContextOptions) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
  // biome-ignore lint/suspicious/noExplicitAny: the adapter's own responseMeta signature
  responseMeta?: (opts: any) => ResponseMetaResult; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function wrapOptions<TContextOptions, O extends WrappableOptions<TContextOptions>>(
  options: O,
  exchange: (opts: TContextOptions) => HttpExchange,
): O {
  const own = options.createContext;
  return {
    ...options,
    createContext: async (opts: TContextOptions) => ({
      ...((await own?.(opts)) as object | undefined),
      ...withExchange(exchange(opts)),
    }),
    responseMeta: composeResponseMeta<ResponseMetaInput>(options.responseMeta),
  };
}
