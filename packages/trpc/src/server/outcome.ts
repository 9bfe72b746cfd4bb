// How a procedure's result becomes a stored outcome and back. Success values go through the router's
// transformer (superjson keeps Dates, BigInts, Maps), so a replay returns the identical typed value. Errors keep
// their tRPC code, message, HTTP status and a JSON-safe cause, so a replayed error formats exactly as the first.
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { Outcome } from '@idem/core';
import { IdempotencyRefusal } from './refusal.ts';

/** The part of a tRPC transformer idem uses (superjson, devalue, or identity). */
export interface OutputTransformer {
  serialize(value: unknown): unknown;
  deserialize(value: unknown): unknown;
}

export const identityTransformer: OutputTransformer = { serialize: (v) => v, deserialize: (v) => v };

interface StoredCause {
  name: string;
  message: string;
  code?: string;
  status?: number;
  details?: unknown;
  /** A validator's issues (a stored validation failure, seed 003): the replay describes them as the first did. */
  issues?: unknown[];
  retryAfterMs?: number;
  expiresAt?: number | null;
}

interface StoredError {
  code: TRPC_ERROR_CODE_KEY;
  message: string;
  status: number;
  cause: StoredCause | null;
  /** The request that produced the error: a replay reports it, so the replayed body is the original's. */
  requestId?: string | null;
}

type StoredBody = { kind: 'data'; data: unknown } | { kind: 'error'; error: StoredError };

/** A cause rebuilt from storage: the same name, message and fields as the original. */
export class ReplayedCause extends Error {
  readonly code?: string;
  readonly status?: number;
  readonly details?: unknown;
  readonly issues?: unknown[];
  constructor(stored: StoredCause) {
    super(stored.message);
    this.name = stored.name;
    if (stored.code !== undefined) this.code = stored.code;
    if (stored.status !== undefined) this.status = stored.status;
    if (stored.details !== undefined) this.details = stored.details;
    if (stored.issues !== undefined) this.issues = stored.issues;
  }
}

/** The HTTP status an error answers with: its cause's own status when it has one, else tRPC's mapping. */
export function errorStatus(error: TRPCError): number {
  const status = (error.cause as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status <= 599
    ? status
    : getHTTPStatusCodeFromError(error);
}

/** A JSON-safe copy, or undefined for what JSON cannot hold. */
function jsonCopy(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return undefined;
  }
}

function storedCause(cause: unknown): StoredCause | null {
  if (!(cause instanceof Error)) return null;
  const c = cause as Error &
    Partial<Record<'code' | 'status' | 'details' | 'issues' | 'retryAfterMs' | 'expiresAt', unknown>>;
  const out: StoredCause = { name: c.name, message: c.message };
  if (typeof c.code === 'string') out.code = c.code;
  if (typeof c.status === 'number') out.status = c.status;
  // Details or issues that are not JSON stay behind; the code, status and message still replay.
  if (c.details !== undefined) {
    const details = jsonCopy(c.details);
    if (details !== undefined) out.details = details;
  }
  if (Array.isArray(c.issues)) {
    const issues = jsonCopy(c.issues);
    if (Array.isArray(issues)) out.issues = issues;
  }
  if (typeof c.retryAfterMs === 'number') out.retryAfterMs = c.retryAfterMs;
  if (typeof c.expiresAt === 'number' || c.expiresAt === null) out.expiresAt = c.expiresAt;
  return out;
}

export function successOutcome(
  data: unknown,
  status: number,
  transformer: OutputTransformer,
  headers?: Readonly<Record<string, string>>,
): Outcome {
  const body: StoredBody = { kind: 'data', data: transformer.serialize(data) };
  return {
    ok: true,
    status,
    body: JSON.stringify(body),
    ...(headers && Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

export function errorOutcome(error: TRPCError, requestId: string | null = null): Outcome {
  const status = errorStatus(error);
  const body: StoredBody = {
    kind: 'error',
    error: { code: error.code, message: error.message, status, cause: storedCause(error.cause), requestId },
  };
  return { ok: false, status, body: JSON.stringify(body) };
}

/** A stored outcome as what the procedure returned: `{ data }` to return, or the error to throw. */
export function decodeOutcome(
  outcome: Outcome,
  transformer: OutputTransformer,
): { data: unknown } | { error: TRPCError } {
  const body = JSON.parse(outcome.body) as StoredBody;
  if (body.kind === 'data') return { data: transformer.deserialize(body.data) };
  const { error } = body;
  const cause =
    error.cause === null
      ? undefined
      : error.cause.name === 'IdempotencyRefusal'
        ? new IdempotencyRefusal(
            error.cause.status ?? error.status,
            error.cause.code ?? 'IDEMPOTENCY_REFUSED',
            error.cause.message,
            error.cause.retryAfterMs,
            error.cause.expiresAt,
          )
        : new ReplayedCause(error.cause);
  if (cause !== undefined && error.requestId) Object.assign(cause, { requestId: error.requestId });
  return { error: new TRPCError({ code: error.code, message: error.message, cause }) };
}
