// @idem/trpc/client: links for typed clients that retry mutations safely, for Node services, scripts and
// browsers. The Node file journal lives in @idem/trpc/client/node.
export { canonicalInput } from './canonical.ts';
export {
  type Journal,
  type JournalEntry,
  JournalError,
  type StorageLike,
  storageJournal,
} from './journal.ts';
export {
  type IdempotencyCallContext,
  type IdempotencyInfo,
  type IdempotencyLinkOptions,
  idempotencyHeaders,
  idempotencyLink,
  idempotencyOf,
  type JournalCodec,
  mintKey,
  type ResumeResult,
  resumePending,
} from './link.ts';
export { backoffMs, type RetryOptions, type RetryReason, retryReason, serverRetryAfterMs } from './retry.ts';
