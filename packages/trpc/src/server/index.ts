// @idem/trpc (server): the idempotent() middleware and what an app needs around it.
export {
  BATCH_KEYS_HEADER,
  createExchange,
  type ExchangeInit,
  type HttpExchange,
  keyFromExchange,
  nodeExchange,
  REPLAYED_KEYS_HEADER,
} from './exchange.ts';
export {
  createIdempotency,
  type IdempotencyContext,
  type IdempotencyOptions,
  type IdempotentOptions,
  naturalKey,
} from './middleware.ts';
export {
  decodeOutcome,
  errorOutcome,
  errorStatus,
  identityTransformer,
  type OutputTransformer,
  ReplayedCause,
  successOutcome,
} from './outcome.ts';
export { IdempotencyRefusal, idempotencyErrorData, refuse, trpcCodeFor } from './refusal.ts';
export { isTransientDatabaseError } from './transient.ts';
