// The HTTP status of an answer, decided the same way on every adapter: a single call answers with the status its
// procedure chose (ctx.idempotency.setStatus, a replay's stored status), or with its refusal's status (409, 422,
// 400, 503 …); a batch keeps tRPC's own (each operation carries its status in its error's data).
import type { TRPCError } from '@trpc/server';
import { exchangeOf } from '../server/exchange.ts';
import { refusalOf } from '../server/refusal.ts';

export interface ResponseMetaInput {
  ctx?: unknown;
  info?: { isBatchCall?: boolean } | undefined;
  errors: readonly TRPCError[];
}

export interface ResponseMetaResult {
  status?: number;
  headers?: Headers | Record<string, string | string[] | undefined>;
}

export function idempotencyResponseMeta(input: ResponseMetaInput): ResponseMetaResult {
  const http = exchangeOf(input.ctx);
  if (http === undefined || input.info?.isBatchCall) return {};
  if (input.errors.length === 1) {
    const refusal = refusalOf(input.errors[0]);
    return refusal === undefined ? {} : { status: refusal.status };
  }
  return input.errors.length === 0 && http.status !== undefined ? { status: http.status } : {};
}

/** Combines idem's responseMeta with the application's: the application's status and headers win. */
export function composeResponseMeta<O extends ResponseMetaInput>(
  own: ((opts: O) => ResponseMetaResult) | undefined,
): (opts: O) => ResponseMetaResult {
  return (opts) => {
    const idem = idempotencyResponseMeta(opts);
    const app = own?.(opts) ?? {};
    return { ...idem, ...app };
  };
}
