// Refusals and stored errors as tRPC errors. The HTTP status comes from the policy (409, 422, 400, 503 …),
// which tRPC's codes cannot always say, so the status travels in the error's cause and the app's error
// formatter puts it in `data.httpStatus` (tRPC's adapters answer with that), together with
// `data.idempotency = { code, retryAfterMs?, expiresAt? }`.
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';

/** The closest tRPC code for an HTTP status. */
export function trpcCodeFor(status: number): TRPC_ERROR_CODE_KEY {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 408:
      return 'TIMEOUT';
    case 409:
      return 'CONFLICT';
    case 412:
      return 'PRECONDITION_FAILED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 422:
      return 'UNPROCESSABLE_CONTENT';
    case 429:
      return 'TOO_MANY_REQUESTS';
    case 501:
      return 'NOT_IMPLEMENTED';
    case 502:
      return 'BAD_GATEWAY';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    case 504:
      return 'GATEWAY_TIMEOUT';
    default:
      return status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
  }
}

/** Why idem refused a request: the cause of the TRPCError the middleware throws. */
export class IdempotencyRefusal extends Error {
  override readonly name = 'IdempotencyRefusal';
  constructor(
    readonly status: number,
    /** Stable code: the policy's conflict/in-flight code, a key/payload code, or STORE_UNAVAILABLE. */
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
    /** When the key stops counting (epoch ms), for a conflict. */
    readonly expiresAt?: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function refuse(
  status: number,
  code: string,
  message: string,
  extra: { retryAfterMs?: number; expiresAt?: number | null; cause?: unknown } = {},
): TRPCError {
  return new TRPCError({
    code: trpcCodeFor(status),
    message,
    cause: new IdempotencyRefusal(status, code, message, extra.retryAfterMs, extra.expiresAt, {
      cause: extra.cause,
    }),
  });
}

/** What `data` an error formatter should add for an idem refusal, or null for other errors. */
export function idempotencyErrorData(
  error: TRPCError,
): { httpStatus: number; idempotency: { code: string; retryAfterMs?: number; expiresAt?: string } } | null {
  const cause = error.cause;
  if (!(cause instanceof IdempotencyRefusal)) return null;
  return {
    httpStatus: cause.status,
    idempotency: {
      code: cause.code,
      ...(cause.retryAfterMs !== undefined ? { retryAfterMs: cause.retryAfterMs } : {}),
      ...(cause.expiresAt ? { expiresAt: new Date(cause.expiresAt).toISOString() } : {}),
    },
  };
}
