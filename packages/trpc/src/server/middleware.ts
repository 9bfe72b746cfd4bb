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
import { isTransientDatabaseError } from './transient.ts';

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
  /** Outcomes still to store, outermost first; idem.transaction() stores them inside its transaction. */
  readonly [PENDING]: readonly Settlement[];
}

const PENDING = Symbol('idem.pending');

/** One idempotent() layer's claim, waiting for the procedure's result. */
interface Settlement {
  settled: boolean;
  /** Stores the success outcome (inside `tx` when given); returns the value as this layer answers it. */
  succeed(data: unknown, tx?: unknown): Promise<unknown>;
  /** Stores the error outcome if the policy keeps it, else releases the key. */
  fail(error: TRPCError): Promise<void>;
  /** Gives the key up without an outcome. */
  abandon(): Promise<void>;
}

export interface IdempotencyOptions<TCtx, TTx> {
  /** The engine, or how to find it in the context (so routers can be defined before the engine exists). */
  engine: Engine | ((ctx: TCtx) => Engine);
  /** The authenticated caller: keys never cross callers (K9). Return null/undefined for none: the call is refused. */
  scope: (ctx: TCtx) => string | null | undefined;
  /** The HTTP exchange of the call (headers, raw body, response headers); default `ctx.http`. */
  http?: (ctx: TCtx) => HttpExchange | undefined;
  /** The router's transformer, so stored values replay with their types (pass superjson if the router uses it). */
  transformer?: OutputTransformer;
  /**
   * Opens a database transaction for idem.transaction(), e.g. `(fn) => prisma.$transaction(fn)`. The procedure
   * writes through `ctx.tx`; its writes and the stored outcome commit together or not at all (K11).
   */
  transaction?: <R>(fn: (tx: TTx) => Promise<R>, ctx: TCtx) => Promise<R>;
  /**
   * Whether a failure inside idem.transaction() means the database was unreachable or dropped the connection
   * (default: isTransientDatabaseError). Such a failure is answered 503 and releases the key instead of being
   * stored as the outcome: the transaction rolled everything back, so the retry must run.
   */
  isTransient?: (error: unknown) => boolean;
}

export interface IdempotentOptions<TInput> {
  /** Derives the key from the input instead of a header (e.g. a key built from stable source facts). */
  key?: (input: TInput) => string | undefined;
}

function field(value: unknown, path: string): unknown {
  let node = value;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

// Natural keys come from data (names, emails, ids), not from a header: characters outside printable ASCII,
// and '%' itself, are percent-encoded so any value makes a valid, unambiguous key that stays readable.
const escapeKeyPart = (part: string): string =>
  part.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) =>
    encodeURIComponent(c).replace(/[!'()*]/g, (x) => `%${x.charCodeAt(0).toString(16)}`),
  );

/** The natural key of an input: its fields' values joined with ':', or undefined if one is missing. */
export function naturalKey(
  input: unknown,
  fields: readonly string[],
  caseInsensitive = false,
): string | undefined {
  const parts: string[] = [];
  for (const f of fields) {
    const v = field(input, f);
    if ((typeof v !== 'string' || v === '') && typeof v !== 'number') return undefined;
    const text = String(v);
    parts.push(escapeKeyPart(caseInsensitive ? text.toLowerCase() : text));
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
  const engineOf = typeof options.engine === 'function' ? options.engine : () => options.engine as Engine;
  const transformer = options.transformer ?? identityTransformer;
  const httpOf = options.http ?? ((ctx: TCtx) => (ctx as { http?: HttpExchange }).http);
  const isTransient = options.isTransient ?? isTransientDatabaseError;

  function idempotent<TInput = unknown>(
    policyOrOptions: Policy | PolicyOptions = {},
    opts: IdempotentOptions<TInput> = {},
  ): TRPCMiddlewareBuilder<TCtx, object, { idempotency: IdempotencyContext }, unknown> {
    const policy =
      'inFlight' in policyOrOptions && 'key' in policyOrOptions && 'conflict' in policyOrOptions
        ? (policyOrOptions as Policy)
        : definePolicy(policyOrOptions as PolicyOptions);
    // Each unique constraint (N5) is kept as a natural key of its own whose "payload" is the idempotency key
    // that created the resource: the same key retrying matches, another key conflicts.
    const uniquePolicy = definePolicy({
      name: `${policy.name}:unique`,
      key: { maxLength: 10_000 },
      ttlMs: null,
      leaseMs: policy.leaseMs,
      onMismatch: 'conflict',
    });

    // Built with tRPC's standalone-middleware factory so one definition serves any procedure whose context is TCtx.
    return experimental_standaloneMiddleware<{ ctx: TCtx }>().create<{ idempotency: IdempotencyContext }>(
      async function idempotentMiddleware({ ctx, path, type, getRawInput, next, batchIndex, signal }) {
        // Queries and subscriptions are safe to repeat by definition; only mutations are guarded.
        if (type !== 'mutation') return next();
        // tRPC hands the context through its own Simplify<> wrapper; it is the app's context all the same.
        const context = ctx as unknown as TCtx;
        const outer = (ctx as { idempotency?: IdempotencyContext }).idempotency;
        const pendingAbove = outer?.[PENDING] ?? [];
        const scope = options.scope(context);
        if (!scope) {
          throw new TRPCError({
            code: 'UNAUTHORIZED',
            message: 'an idempotent procedure needs an authenticated caller',
          });
        }
        const http = httpOf(context);
        const engine = engineOf(context);
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
              { retryAfterMs: 1000, cause: error },
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
                  [PENDING]: pendingAbove,
                },
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
            http?.markReplayed(decision.record.key);
            const stored = decodeOutcome(decision.outcome, transformer);
            if ('error' in stored) throw stored.error;
            if (http) http.status = decision.status;
            return answered(setBodyField(stored.data, policy.replay.bodyField, 'replayed'));
          }
          case 'execute': {
            const claims = await claimUniques(decision.execution, input, scope);
            if (claims instanceof TRPCError) {
              await decision.execution.abandon().catch(() => {});
              throw claims;
            }
            const settlement = settle(decision.execution, claims);
            const idempotency: IdempotencyContext = {
              key: decision.execution.ref.key,
              status: 'created',
              reason: decision.reason,
              signal: decision.execution.signal,
              [PENDING]: [...pendingAbove, settlement],
            };
            let result: Awaited<ReturnType<typeof next>>;
            try {
              result = await next({ ctx: { idempotency } });
            } catch (error) {
              // next() reports failures as results; this is a bug below us, and the key must not stay held.
              if (!settlement.settled) await settlement.abandon();
              throw error;
            }
            if (settlement.settled) return result; // idem.transaction() stored it with the writes
            if (!result.ok) {
              await settlement.fail(result.error);
              return result;
            }
            return { ...result, data: await settlement.succeed(result.data) };
          }
        }

        function settle(execution: Execution, claims: Execution[]): Settlement {
          const s: Settlement = {
            settled: false,
            async succeed(data, tx) {
              const answer = setBodyField(data, policy.replay.bodyField, 'created');
              const outcome = successOutcome(answer, http?.status ?? 200, transformer);
              s.settled = true;
              if (tx !== undefined) {
                // Inside the transaction a lost lease or a store failure must abort the writes: let it throw.
                await execution.complete(outcome, { tx });
              } else {
                try {
                  await execution.complete(outcome);
                } catch (error) {
                  // The mutation ran; its answer goes to the caller whatever happens to the record. A lost lease
                  // means a retry took over after this holder stalled past its lease: its outcome is the one kept.
                  console.error(
                    `[idem] could not store the outcome of ${path} under key ${execution.ref.key}:`,
                    error,
                  );
                }
              }
              // Inside the transaction too: on SQLite its connection is the only one, so anything else would wait.
              await settleUniques(claims, true, tx);
              return answer;
            },
            async fail(error) {
              s.settled = true;
              try {
                await execution.complete(errorOutcome(error, http?.requestId ?? null));
              } catch (cause) {
                console.error(
                  `[idem] could not store the error outcome of ${path} under key ${execution.ref.key}:`,
                  cause,
                );
              }
              await settleUniques(claims, false);
            },
            async abandon() {
              s.settled = true;
              await execution.abandon().catch(() => {});
              await settleUniques(claims, false);
            },
          };
          return s;
        }

        async function claimUniques(
          execution: Execution,
          input: unknown,
          scope: string,
        ): Promise<Execution[] | TRPCError> {
          const held: Execution[] = [];
          for (const unique of policy.unique) {
            const value = naturalKey(input, unique.fields, unique.caseInsensitive);
            if (value === undefined) continue;
            const claim = await engine.begin({
              scope,
              procedure: `${path}#unique:${unique.fields.join('+')}`,
              key: value,
              policy: uniquePolicy,
              payload: { value: execution.ref.key },
              requestId: http?.requestId ?? null,
              naturalId: value,
            });
            if (claim.kind === 'execute') held.push(claim.execution);
            else if (claim.kind === 'conflict' || claim.kind === 'in_flight') {
              await settleUniques(held, false);
              engine.record(
                'natural_duplicate',
                { scope, procedure: path, key: execution.ref.key },
                {
                  requestId: http?.requestId ?? null,
                  detail: {
                    code: unique.code,
                    fields: unique.fields.join('+'),
                    value,
                    heldBy: claim.record.requestPayload,
                  },
                },
              );
              return refuse(unique.status, unique.code, unique.message);
            }
          }
          return held;
        }

        async function settleUniques(claims: Execution[], created: boolean, tx?: unknown) {
          const options = tx === undefined ? undefined : { tx };
          for (const claim of claims) {
            await (created
              ? claim.complete({ ok: true, status: 200, body: JSON.stringify(claim.ref.key) }, options)
              : claim.abandon()
            ).catch((error: unknown) => console.error('[idem] could not settle a unique claim:', error));
          }
        }
      },
    );
  }

  /**
   * Runs the rest of the procedure in one database transaction and stores the pending outcomes inside it:
   * the procedure's writes (through `ctx.tx`) and its stored outcome commit together or not at all (K11).
   * Place it after idempotent(); anything between the two (a call to a payment provider, say) runs before the
   * transaction opens, so the transaction stays short.
   *
   * @example
   * authed.input(Usage).use(idem.idempotent({ preset: 'salesbricks' })).use(idem.transaction()).mutation(
   *   ({ ctx, input }) => ctx.tx.usage.create({ data: input }))
   */
  function transaction(): TRPCMiddlewareBuilder<TCtx, object, { tx: TTx }, unknown> {
    const open = options.transaction;
    if (!open) {
      throw new IdemError('INVALID_POLICY', 'idem.transaction() needs createIdempotency({ transaction })', {
        option: 'transaction',
      });
    }
    return experimental_standaloneMiddleware<{ ctx: TCtx }>().create<{ tx: TTx }>(
      async function idempotentTransaction({ ctx, next }) {
        const pending = [
          ...((ctx as { idempotency?: IdempotencyContext }).idempotency?.[PENDING] ?? []),
        ].reverse();
        let failure: TRPCError | null = null;
        try {
          return await open(
            async (tx) => {
              const result = await next({ ctx: { tx } });
              if (!result.ok) {
                failure = result.error;
                throw new Rollback(result.error);
              }
              // Innermost first: each layer answers the value the layer inside it produced.
              let data = result.data;
              for (const settlement of pending) data = await settlement.succeed(data, tx);
              return { ...result, data };
            },
            ctx as unknown as TCtx,
          );
        } catch (error) {
          if (error instanceof Rollback && failure !== null && !isTransient(failure)) {
            // The writes are gone; the error itself is an outcome like any other (K8).
            for (const settlement of pending) await settlement.fail(failure);
            throw failure;
          }
          for (const settlement of pending) await settlement.abandon();
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
          // Anything else escaped the transaction machinery itself (it could not begin or commit), or the
          // procedure lost its database mid-way: nothing was committed, the key is released, retry later.
          throw refuse(
            503,
            'STORE_UNAVAILABLE',
            'The database is unavailable; the request was rolled back. Retry later.',
            {
              retryAfterMs: 1000,
              cause: error instanceof Rollback ? failure : error,
            },
          );
        }
      },
    );
  }

  return { idempotent, transaction };
}
