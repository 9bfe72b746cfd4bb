// One description of an error for every edge: the tRPC error formatter puts it in `data`, the REST door
// renders it as `{ error: { type, code, message, requestId } }` (seed 001's envelope).
import type { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { IdempotencyRefusal, idempotencyErrorData } from '@idem/trpc';
import { SHAPE_REFUSALS } from './http/depth.ts';

export interface ErrorView {
  status: number;
  type: string;
  code: string;
  message: string;
  requestId: string | null;
  details?: Record<string, unknown>;
  idempotency?: { code: string; retryAfterMs?: number; expiresAt?: string };
}

function typeFor(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 409) return 'conflict_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

interface Issue {
  path?: readonly PropertyKey[] | readonly { key: PropertyKey }[];
  message: string;
}

function validationIssues(cause: unknown): { path: string; message: string }[] | null {
  const issues = (cause as { issues?: Issue[] } | undefined)?.issues;
  if (!Array.isArray(issues)) return null;
  return issues.map((i) => ({
    path: (i.path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p)).join('.'),
    message: i.message,
  }));
}

/** The HTTP status an error answers with: its cause's own status when it has one, else tRPC's mapping. */
function errorStatus(error: TRPCError): number {
  const status = (error.cause as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status <= 599
    ? status
    : getHTTPStatusCodeFromError(error);
}

export function describeError(error: TRPCError, requestId: string | null): ErrorView {
  const cause = error.cause as
    | (Error & { code?: unknown; details?: unknown; requestId?: unknown })
    | undefined;
  const original = typeof cause?.requestId === 'string' ? cause.requestId : requestId;
  const idem = idempotencyErrorData(error);
  if (idem !== null && cause instanceof IdempotencyRefusal) {
    return {
      status: idem.httpStatus,
      type: typeFor(idem.httpStatus),
      code: cause.code,
      message: error.message,
      requestId: original,
      idempotency: idem.idempotency,
    };
  }
  // tRPC could not read the request's input: the same codes as the REST door's own parser gives.
  if (error.code === 'BAD_REQUEST' && (cause instanceof SyntaxError || cause instanceof RangeError)) {
    const tooDeep = cause instanceof RangeError;
    return {
      status: 400,
      type: 'invalid_request_error',
      code: tooDeep ? 'payload_too_deep' : 'malformed_json',
      message: tooDeep ? SHAPE_REFUSALS.too_deep.message : `Malformed JSON body: ${cause.message}`,
      requestId: original,
    };
  }
  const status = errorStatus(error);
  const issues = error.code === 'BAD_REQUEST' ? validationIssues(cause) : null;
  if (issues !== null) {
    return {
      status: 400,
      type: 'invalid_request_error',
      code: 'validation_error',
      message: issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
      requestId: original,
      details: { issues },
    };
  }
  const view: ErrorView = {
    status,
    type: typeFor(status),
    code: typeof cause?.code === 'string' ? cause.code : error.code.toLowerCase(),
    // An unexpected failure says so without leaking its internals.
    message: status >= 500 && typeof cause?.code !== 'string' ? 'Internal server error.' : error.message,
    requestId: original,
  };
  if (cause?.details !== null && typeof cause?.details === 'object')
    view.details = cause.details as Record<string, unknown>;
  return view;
}
