// Which failures a client retries with the same key and payload (C5), and how long it waits. Retried: the
// network failed (no response), 429, a duplicate still in flight (409 carrying retryAfterMs), an idempotency
// store that is down (503 STORE_UNAVAILABLE), gateway errors. Never retried: a conflict, a validation error, or
// any outcome the server stored (a replayed 404 or 500 answers the same forever).
import { TRPCClientError } from '@trpc/client';
import { type IdempotencyErrorData, STORE_UNAVAILABLE } from '../protocol.ts';

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** First backoff step in ms (default 100). */
  baseDelayMs?: number;
  /** Longest wait between attempts in ms (default 10 000). */
  maxDelayMs?: number;
}

export type RetryReason = 'network' | 'rate_limited' | 'in_flight' | 'store_unavailable' | 'gateway';

type ErrorData = Partial<IdempotencyErrorData>;

function response(error: TRPCClientError<never>): Response | undefined {
  const r = (error.meta as { response?: unknown } | undefined)?.response;
  return r instanceof Response ? r : undefined;
}

/** Why an error may be retried with the same key, or null when it must not be. */
export function retryReason(error: unknown): RetryReason | null {
  if (!(error instanceof TRPCClientError)) return null;
  const res = response(error);
  const data = (error.data ?? undefined) as ErrorData | undefined;
  const status = data?.httpStatus ?? res?.status;
  if (status === undefined) return 'network';
  if (status === 429) return 'rate_limited';
  if (status === 409 && data?.idempotency?.retryAfterMs !== undefined) return 'in_flight';
  if (status === 503 && data?.idempotency?.code === STORE_UNAVAILABLE) return 'store_unavailable';
  if (status === 502 || status === 504) return 'gateway';
  // A 503 that is not ours came from a proxy before the request reached the server: safe to retry too.
  if (
    status === 503 &&
    data?.idempotency === undefined &&
    res !== undefined &&
    !res.headers.get('content-type')?.includes('json')
  ) {
    return 'gateway';
  }
  return null;
}

/** The server's own hint, in ms: data.idempotency.retryAfterMs, else the Retry-After header. */
export function serverRetryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const hinted = (error.data as ErrorData | undefined)?.idempotency?.retryAfterMs;
  if (typeof hinted === 'number') return hinted;
  const header = response(error)?.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Exponential backoff with full jitter, never shorter than what the server asked for.
 * `attempt` counts the attempts already made (1 after the first failure).
 */
export function backoffMs(
  attempt: number,
  options: RetryOptions,
  serverHintMs: number | undefined,
  random = Math.random,
): number {
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 10_000;
  const jittered = random() * Math.min(max, base * 2 ** (attempt - 1));
  return Math.min(max, Math.max(jittered, serverHintMs ?? 0));
}
