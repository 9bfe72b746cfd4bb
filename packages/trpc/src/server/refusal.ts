// Refusals and stored errors as tRPC errors. The HTTP status comes from the policy (409, 422, 400, 503 …),
// which tRPC's codes cannot always say, so the status travels in the error's cause and the app's error
// formatter puts it in `data.httpStatus` (tRPC's adapters answer with that), together with
// `data.idempotency = { code, retryAfterMs?, expiresAt? }`.
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { IdempotencyErrorData } from '../protocol.ts';

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

/** The refusal behind a tRPC error, if idem refused it. */
export function refusalOf(error: unknown): IdempotencyRefusal | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof IdempotencyRefusal ? cause : undefined;
}

/**
 * What `data` an error formatter should add for an idem refusal (its HTTP status and `idempotency`), or null for
 * other errors. Every operation of a batch carries its own, which is how idem's client knows what to retry.
 *
 * @example
 * initTRPC.context<Ctx>().create({
 *   errorFormatter: ({ shape, error }) => ({ ...shape, data: { ...shape.data, ...idempotencyErrorData(error) } }),
 * });
 */
export function idempotencyErrorData(error: TRPCError): IdempotencyErrorData | null {
  const cause = refusalOf(error);
  if (cause === undefined) return null;
  return {
    httpStatus: cause.status,
    idempotency: {
      code: cause.code,
      ...(cause.retryAfterMs !== undefined ? { retryAfterMs: cause.retryAfterMs } : {}),
      ...(cause.expiresAt ? { expiresAt: new Date(cause.expiresAt).toISOString() } : {}),
    },
  };
}

/**
 * An error formatter that adds idem's refusal facts to `data` and leaves every other shape as tRPC made it. A
 * refusal is idem's own answer, so it carries no stack trace even in development (tRPC adds one unless NODE_ENV is
 * production): its frames are server paths, and the refusal says all there is. Use idempotencyErrorData inside your
 * own formatter if you have one.
 *
 * @example
 * initTRPC.context<Ctx>().create({ errorFormatter: idempotencyErrorFormatter });
 */
export function idempotencyErrorFormatter<TShape extends { data: object }>(options: {
  shape: TShape;
  error: TRPCError;
}): TShape {
  const extra = idempotencyErrorData(options.error);
  if (extra === null) return options.shape;
  const { stack: _stack, ...data } = options.shape.data as { stack?: unknown };
  return { ...options.shape, data: { ...data, ...extra } };
}
