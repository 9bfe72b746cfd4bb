// @idem/trpc: the idempotent() middleware, its presets, and what an app's tRPC setup needs around it. Adapter
// helpers live on @idem/trpc/adapters/{standalone,fetch,express,fastify}; clients on @idem/trpc/client.
export type { IdempotencyContext } from './call-state.ts';
export {
  IDEMPOTENCY_REQUEST_HEADERS,
  IDEMPOTENCY_RESPONSE_HEADERS,
  type IdempotencyCors,
  type IdempotencyCorsOptions,
  idempotencyCors,
} from './cors.ts';
export {
  type ClientFacts,
  createExchange,
  type ExchangeInit,
  exchangeOf,
  type HttpExchange,
  requestIdOf,
  withExchange,
} from './exchange.ts';
export {
  createIdempotency,
  type IdempotencyOptions,
  type ProcedureIdempotencyOptions,
} from './middleware.ts';
export type { OutputTransformer } from './outcome.ts';
export type { IdempotentOptions, UniqueConstraint } from './policy.ts';
export { type PresetName, presets } from './presets.ts';
export {
  IdempotencyRefusal,
  idempotencyErrorData,
  idempotencyErrorFormatter,
  refusalOf,
  trpcCodeFor,
} from './refusal.ts';
export { BATCH_KEYS_HEADER, type IdempotencyErrorData, REPLAYED_KEYS_HEADER } from '../protocol.ts';
