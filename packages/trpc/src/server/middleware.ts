// The idempotent() middleware: one line on a tRPC procedure makes its mutation safe to repeat.
//
//   const idem = createIdempotency({ engine, scope: (ctx) => ctx.caller?.id, http: (ctx) => ctx.http, transformer: superjson });
//   export const createOrder = authed.input(Order).use(idem.idempotent({ preset: 'ietf' })).mutation(...)
//
// Place it after .input(): invalid input is refused by the validator before idem sees it, and is never stored
// (K8). The key comes from the policy's header (per operation in a batch, from X-Idempotency-Keys), from
// input fields (natural keys), or from a function you give. Scope is the authenticated caller plus the
// procedure path (K9); without a caller the middleware refuses to run.
import { experimental_standaloneMiddleware, type TRPCMiddlewareBuilder, TRPCError } from '@trpc/server';
import { middlewareMarker } from '@trpc/server/unstable-core-do-not-import';
import {
  definePolicy,
  type Decision,
  type Engine,
  type Execution,
  IdemError,
  type Policy,
  type PolicyOptions,
} from '@idem/core';
import { type HttpExchange, keyFromExchange } from './exchange.ts';
import {
  decodeOutcome,
  errorOutcome,
  identityTransformer,
  type OutputTransformer,
  successOutcome,
} from './outcome.ts';
import { refuse } from './refusal.ts';

/** What a procedure behind idempotent() finds in `ctx.idempotency`. */
export interface IdempotencyContext {
  /** The key this call runs under; null when it runs unprotected (no key, optional policy). */
  readonly key: string | null;
  /** 'created' for a first call; the procedure never runs for a replay. */
  readonly status: 'created' | 'unprotected';
  /** Why this call may run: a new key, an expired one, a takeover after a dead holder, a changed natural key. */
  readonly reason: 'new' | 'key_expired' | 'lease_expired' | 'payload_changed' | null;
  /** Aborted if another holder takes the key over (this call's lease ended): stop, the result will be refused. */
  readonly signal: AbortSignal | undefined;
}

export interface IdempotencyOptions<TCtx, TTx> {
  engine: Engine;
  /** The authenticated caller: keys never cross callers (K9). Return null/undefined for none: the call is refused. */
  scope: (ctx: TCtx) => string | null | undefined;
  /** The HTTP exchange of the call (headers, raw body, response headers); default `ctx.http`. */
  http?: (ctx: TCtx) => HttpExchange | undefined;
  /** The router's transformer, so stored values replay with their types (pass superjson if the router uses it). */
  transformer?: OutputTransformer;
  /**
   * Opens a database transaction for `transactional` procedures, e.g.
   * `(fn) => prisma.$transaction(fn, { timeout: 30_000 })`. The procedure writes through `ctx.tx`; its writes
   * and the stored outcome commit together or not at all (K11).
   */
  transaction?: <R>(fn: (tx: TTx) => Promise<R>) => Promise<R>;
}

export interface IdempotentOptions<TInput> {
  /** Derives the key from the input instead of a header (e.g. a key built from stable source facts). */
  key?: (input: TInput) => string | undefined;
  /** Run the procedure and store its outcome in one database transaction (needs `transaction`). */
  transactional?: boolean;
}

function field(value: unknown, path: string): unknown {
  let node = value;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The natural key of an input: its fields' values joined with ':', or undefined if one is missing. */
export function naturalKey(input: unknown, fields: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const f of fields) {
    const v = field(input, f);
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    parts.push(String(v));
  }
  return parts.join(':');
}

// tRPC has no public way for a middleware to answer without calling next(). This is the one place that builds
// such a result; it is what next() itself returns for a successful call (see the middleware tests).
function answered(data: unknown) {
  return { ok: true as const, data, marker: middlewareMarker };
}

/** Rolls a transaction back while carrying the procedure's error result out of it. */
class Rollback extends Error {
  constructor(readonly error: TRPCError) {
    super('rolled back');
  }
}

function setBodyField(data: unknown, name: string | null, value: 'created' | 'replayed'): unknown {
  if (name === null || data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  return { ...(data as Record<string, unknown>), [name]: value };
}

/**
 * Creates the idempotent() middleware factory for one engine and one way of reading the caller.
 *
 * @example
 * const idem = createIdempotency<Context, Prisma.TransactionClient>({
 *   engine, scope: (ctx) => ctx.caller?.id, transformer: superjson,
 *   transaction: (fn) => prisma.$transaction(fn),
 * });
 * const createNote = authed.input(NoteInput).use(idem.idempotent({ preset: 'shelfcycle' })).mutation(...);
 */
export function createIdempotency<TCtx extends object, TTx = never>(options: IdempotencyOptions<TCtx, TTx>) {
  const { engine } = options;
  const transformer = options.transformer ?? identityTransformer;
  const httpOf = options.http ?? ((ctx: TCtx) => (ctx as { http?: HttpExchange }).http);

  type Plain = TRPCMiddlewareBuilder<TCtx, object, { idempotency: IdempotencyContext }, unknown>;
  type WithTx = TRPCMiddlewareBuilder<TCtx, object, { idempotency: IdempotencyContext; tx: TTx }, unknown>;

  function idempotent<TInput = unknown>(
    policy?: Policy | PolicyOptions,
    opts?: IdempotentOptions<TInput> & { transactional?: false },
  ): Plain;
  function idempotent<TInput = unknown>(
    policy: Policy | PolicyOptions,
    opts: IdempotentOptions<TInput> & { transactional: true },
  ): WithTx;
  function idempotent<TInput = unknown>(
    policyOrOptions: Policy | PolicyOptions = {},
    opts: IdempotentOptions<TInput> = {},
  ): Plain | WithTx {
    const policy =
      'inFlight' in policyOrOptions && 'key' in policyOrOptions && 'conflict' in policyOrOptions
        ? (policyOrOptions as Policy)
        : definePolicy(policyOrOptions as PolicyOptions);
    if (opts.transactional && !options.transaction) {
      throw new IdemError(
        'INVALID_POLICY',
        'a transactional idempotent() needs createIdempotency({ transaction })',
        {
          option: 'transactional',
        },
      );
    }

    // Built with tRPC's standalone-middleware factory so one definition serves any procedure whose context is TCtx.
    return experimental_standaloneMiddleware<{ ctx: TCtx }>().create<{
      idempotency: IdempotencyContext;
      tx: TTx;
    }>(async function idempotentMiddleware({ ctx, path, type, getRawInput, next, batchIndex, signal }) {
      // Queries and subscriptions are safe to repeat by definition; only mutations are guarded.
      if (type !== 'mutation') return next();
      // tRPC hands the context through its own Simplify<> wrapper; it is the app's context all the same.
      const context = ctx as unknown as TCtx;
      const scope = options.scope(context);
      if (!scope)
        throw new TRPCError({
          code: 'UNAUTHORIZED',
          message: 'an idempotent procedure needs an authenticated caller',
        });
      const http = httpOf(context);
      const input = await getRawInput();

      const natural = policy.key.source === 'fields';
      const key = natural
        ? naturalKey(input, policy.key.fields)
        : (opts.key?.(input as TInput) ??
          (http ? keyFromExchange(http, policy.key.header, batchIndex) : undefined));
      const procedure = natural ? `${path}#${policy.key.fields.join('+')}` : path;
      const raw =
        policy.fingerprint.mode === 'bytes'
          ? ((http?.isBatch ? undefined : http?.rawBody) ?? JSON.stringify(input ?? null))
          : undefined;

      let decision: Decision;
      try {
        decision = await engine.begin({
          scope,
          procedure,
          key,
          policy,
          payload: { value: input, raw },
          requestId: http?.requestId ?? null,
          naturalId: natural ? (key ?? null) : null,
          signal,
        });
      } catch (error) {
        if (error instanceof IdemError && error.code === 'STORE_UNAVAILABLE') {
          // Fail closed: a mutation whose key cannot be recorded does not run.
          throw refuse(
            503,
            'STORE_UNAVAILABLE',
            'The idempotency store is unavailable; the request was not processed. Retry later.',
            {
              retryAfterMs: 1000,
              cause: error,
            },
          );
        }
        throw error;
      }

      switch (decision.kind) {
        case 'unprotected':
          return next({
            ctx: {
              idempotency: {
                key: null,
                status: 'unprotected',
                reason: null,
                signal: undefined,
              } satisfies IdempotencyContext,
            },
          });
        case 'invalid':
          throw refuse(decision.status, decision.code, decision.message);
        case 'conflict':
          throw refuse(decision.status, decision.code, decision.message, {
            expiresAt: decision.record.expiresAt,
          });
        case 'in_flight': {
          const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
          http?.setHeader('Retry-After', String(seconds));
          throw refuse(decision.status, decision.code, decision.message, {
            retryAfterMs: decision.retryAfterMs,
          });
        }
        case 'replay': {
          if (policy.replay.header) http?.setHeader(policy.replay.header, 'true');
          http?.markReplayed(batchIndex);
          const stored = decodeOutcome(decision.outcome, transformer);
          if ('error' in stored) throw stored.error;
          if (http) http.status = decision.status;
          return answered(setBodyField(stored.data, policy.replay.bodyField, 'replayed'));
        }
        case 'execute':
          return execute(decision.execution, decision.reason);
      }

      async function execute(execution: Execution, reason: IdempotencyContext['reason']) {
        const idempotency: IdempotencyContext = {
          key: execution.ref.key,
          status: 'created',
          reason,
          signal: execution.signal,
        };
        const succeeded = (data: unknown) => successOutcome(data, http?.status ?? 200, transformer);

        if (opts.transactional) {
          try {
            return await options.transaction!(async (tx) => {
              const result = await next({ ctx: { idempotency, tx } });
              if (!result.ok) throw new Rollback(result.error);
              const data = setBodyField(result.data, policy.replay.bodyField, 'created');
              // Inside the transaction: a holder that lost its lease rolls its own writes back (LEASE_LOST).
              await execution.complete(succeeded(data), { tx });
              return { ...result, data };
            });
          } catch (error) {
            if (error instanceof Rollback) {
              await storeError(execution, error.error);
              throw error.error;
            }
            await execution.abandon().catch(() => {});
            if (error instanceof IdemError && error.code === 'LEASE_LOST') {
              throw refuse(
                409,
                'LEASE_LOST',
                'This request lost its claim on the key to a retry; its writes were rolled back.',
              );
            }
            if (error instanceof IdemError && error.code === 'STORE_UNAVAILABLE') {
              throw refuse(
                503,
                'STORE_UNAVAILABLE',
                'The idempotency store is unavailable; the request was rolled back. Retry later.',
                {
                  retryAfterMs: 1000,
                },
              );
            }
            throw error;
          }
        }

        const result = await next({ ctx: { idempotency } });
        if (!result.ok) {
          await storeError(execution, result.error);
          return result;
        }
        const data = setBodyField(result.data, policy.replay.bodyField, 'created');
        try {
          await execution.complete(succeeded(data));
        } catch (error) {
          // The mutation ran; its answer goes to the caller whatever happens to the record. A lost lease means a
          // retry took over after this holder stalled past its lease: its outcome is the one stored.
          console.error(
            `[idem] could not store the outcome of ${path} under key ${execution.ref.key}:`,
            error,
          );
        }
        return { ...result, data };
      }

      async function storeError(execution: Execution, error: TRPCError) {
        try {
          await execution.complete(errorOutcome(error));
        } catch (cause) {
          console.error(
            `[idem] could not store the error outcome of ${path} under key ${execution.ref.key}:`,
            cause,
          );
        }
      }
    });
  }

  return { idempotent, engine };
}
