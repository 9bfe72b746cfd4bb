// The wire protocol between idem's server middleware and its client link, in one place both import. Keys
// travel per operation in a request header (a batch carries several); a replay is flagged per operation in a
// response header and, where headers leave before procedures finish (httpBatchStreamLink), in the result itself;
// refusals carry their facts in the error's `data.idempotency`.

/** Request header: one key per operation of a batch, as a JSON object from batch index to key. */
export const BATCH_KEYS_HEADER = 'X-Idempotency-Keys';

/** Response header: the keys whose operations were replays, as a JSON array. */
export const REPLAYED_KEYS_HEADER = 'X-Idempotency-Replayed';

/**
 * Request header a client sends to receive replays wrapped in a ReplayEnvelope: the only per-operation signal
 * that survives a streamed batch, whose headers are sent before its procedures finish.
 */
export const ENVELOPE_HEADER = 'X-Idempotency-Envelope';

/** The field naming a ReplayEnvelope; no procedure's own result has it. */
export const ENVELOPE_FIELD = '__idempotency';

/** A replayed result, wrapped for a client that asked (ENVELOPE_HEADER). idem's link unwraps it. */
export interface ReplayEnvelope {
  readonly [ENVELOPE_FIELD]: { readonly key: string; readonly replayed: true };
  readonly data: unknown;
}

export function isReplayEnvelope(value: unknown): value is ReplayEnvelope {
  return (
    value !== null &&
    typeof value === 'object' &&
    ENVELOPE_FIELD in value &&
    'data' in value &&
    typeof (value as Record<string, { key?: unknown }>)[ENVELOPE_FIELD]?.key === 'string'
  );
}

/** What an idem refusal adds to a tRPC error's `data` (see idempotencyErrorData). */
export interface IdempotencyErrorData {
  /** The HTTP status the policy gives this refusal (409, 422, 400, 503 …). */
  readonly httpStatus: number;
  readonly idempotency: {
    /** Stable code: the policy's conflict or in-flight code, a key or payload code, or STORE_UNAVAILABLE. */
    readonly code: string;
    /** For a duplicate still in flight or a store that is down: retry after this long, with the same key. */
    readonly retryAfterMs?: number;
    /** For a conflict: when the key stops counting (ISO 8601). */
    readonly expiresAt?: string;
  };
}

/** The refusal code of a store that could not be reached: the call did not run, retry with the same key. */
export const STORE_UNAVAILABLE = 'STORE_UNAVAILABLE';
