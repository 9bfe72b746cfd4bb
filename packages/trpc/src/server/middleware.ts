// idempotent(): one line on a tRPC procedure makes its mutation safe to repeat.
//
//   const idem = createIdempotency(t, { engine, scope: (ctx) => ctx.user?.id });
//   export const createOrder = authed.use(idem.idempotent({ preset: 'ietf' })).input(Order).mutation(…)
//
// Place it after authentication and before .input() and .output(): a request refused by input validation then
// reaches the policy, which decides whether it is kept (K8), and replays leave it as they were stored. This
// module only orchestrates; each step lives in its own module: the key's source (key-source.ts), the decision
// (@idem/core), refusals (refusal.ts), replays (replay.ts), unique fields (unique.ts), storing the outcome
// (settlement.ts) and transactions (transaction.ts).
import { type Engine, type Execution, IdemError, type IdempotencyStore, type TxOf } from '@idem/core';
import { type TRPCMiddlewareBuilder, TRPCError } from '@trpc/server';
import type { RootLike } from './root.ts';
import { STORE_UNAVAILABLE } from '../protocol.ts';
import { type CallState, callStateOf, type IdempotencyContext, idempotencyContext } from './call-state.ts';
import { exchangeOf, type HttpExchange } from './exchange.ts';
import { findKey } from './key-source.ts';
import { identityTransformer, type OutputTransformer } from './outcome.ts';
import { checkFactoryOptions, type IdempotentOptions, resolvePolicy } from './policy.ts';
import { refusalOf, refuse } from './refusal.ts';
import { replay } from './replay.ts';
import { type LayerDecision, startTrace } from './request-log.ts';
import { errorStatus } from './outcome.ts';
import { settle } from './settlement.ts';
import { createTransaction } from './transaction.ts';
import { claimUniques, uniquePolicy } from './unique.ts';

export interface IdempotencyOptions<TCtx, S extends IdempotencyStore> {
  /** The engine, or how to find it in the context (so routers can be defined before the engine exists). */
  engine: Engine<S> | ((ctx: TCtx) => Engine<S>);
  /** The authenticated caller: keys never cross callers (K9). Return null/undefined for none: the call is refused. */
  scope: (ctx: TCtx) => string | null | undefined;
  /** The HTTP exchange of a call; default: the one the adapter helpers put in the context (withExchange). */
  http?: (ctx: TCtx) => HttpExchange | undefined;
  /** The router's transformer, so stored values replay with their types (pass superjson if the router uses it). */
  transformer?: OutputTransformer;
  /**
   * Opens the transaction idem.transaction() runs in (default: the store's own, `engine.store.transaction`). Its
   * `tx` must be one the store can write through.
   */
  transaction?: <R>(fn: (tx: TxOf<S>) => Promise<R>, ctx: TCtx) => Promise<R>;
  /**
   * Whether a failure inside idem.transaction() means the database was unreachable or dropped the connection
   * (default: the store's own judgement). Such a failure is answered 503 and releases the key instead of being
   * stored as the outcome: the transaction rolled everything back, so the retry must run.
   */
  isTransient?: (error: unknown) => boolean;
  /**
   * Log every call for support staff: the decision, the request as received (secrets redacted) and the answer as
   * the door sent it (default true; written behind the request, in batches, like events).
   */
  requestLog?: boolean;
}

/** Per-procedure options of idempotent(): a policy (see IdempotentOptions) and, optionally, a key function. */
export interface ProcedureIdempotencyOptions<TInput = unknown> extends IdempotentOptions {
  /** Derives the key from the (raw) input instead of a header (a key built from stable source facts, seed 001). */
  keyFrom?: (input: TInput) => string | undefined;
}

interface Keyed {
  readonly kind: LayerDecision['kind'];
  readonly key: string | null;
  readonly naturalId: string | null;
}

const noFingerprint = (): null => null;

function storeUnavailable(error: unknown, what: string): TRPCError {
  return refuse(503, STORE_UNAVAILABLE, `The idempotency store is unavailable; ${what}. Retry later.`, {
    retryAfterMs: 1000,
    cause: error,
  });
}

/**
 * Creates idem's middlewares for one tRPC root (`initTRPC…create()`), one engine and one way of reading the caller.
 *
 * @example
 * const t = initTRPC.context<Context>().create({ errorFormatter: idempotencyErrorFormatter });
 * const idem = createIdempotency(t, { engine, scope: (ctx) => ctx.user?.id, transformer: superjson });
 * const createNote = authed.use(idem.idempotent({ preset: 'shelfcycle' })).input(NoteInput).mutation(…);
 */
export function createIdempotency<
  TCtx extends object,
  TMeta extends object,
  S extends IdempotencyStore = IdempotencyStore,
>(t: RootLike<TCtx, TMeta>, options: IdempotencyOptions<TCtx, S>) {
  checkFactoryOptions(options);
  const engineOf = typeof options.engine === 'function' ? options.engine : () => options.engine as Engine<S>;
  const transformer = options.transformer ?? identityTransformer;
  const httpOf = options.http ?? ((ctx: TCtx) => exchangeOf(ctx));

  /**
   * Makes a mutation idempotent under a policy: a preset (default `ietf`) and any override.
   *
   * @example
   * authed.use(idem.idempotent({ preset: 'novu' })).input(TriggerInput).mutation(…)
   */
  function idempotent<TInput = unknown>(
    policyOptions: ProcedureIdempotencyOptions<TInput> = {},
  ): TRPCMiddlewareBuilder<TCtx, TMeta, { idempotency: IdempotencyContext }, unknown> {
    const { keyFrom, ...rest } = policyOptions;
    const edge = resolvePolicy(rest);
    const claimPolicy = uniquePolicy(edge.policy);
    const { presentation } = edge;
    const answers = {
      conflict: { status: presentation.conflict.status, code: presentation.conflict.code },
      in_flight: { status: presentation.inFlight.status, code: presentation.inFlight.code },
      invalid: { status: presentation.invalidKeyStatus },
      ...(presentation.replay.status !== null
        ? { replay: { answeredStatus: presentation.replay.status } }
        : {}),
    };

    return t.middleware(async function idempotentMiddleware({
      ctx,
      path,
      type,
      getRawInput,
      next,
      // A batched call's slot in the keys header; tRPC passes it from 11.10, hence the peer range.
      batchIndex,
      signal,
    }) {
      // Queries and subscriptions are safe to repeat by definition; only mutations are guarded.
      if (type !== 'mutation')
        return next({ ctx: { idempotency: undefined as unknown as IdempotencyContext } });
      const context = ctx as unknown as TCtx;
      const outer = callStateOf(ctx);
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
      if (outer !== undefined) return decide(outer);

      // The outermost layer logs the call once, whatever its layers decided (request-log.ts).
      const trace =
        options.requestLog === false
          ? undefined
          : startTrace({ engine, scope, procedure: path, input, http });
      const state: CallState = { pending: [], response: { status: undefined, headers: {} }, trace };
      if (trace === undefined) return decide(state);
      try {
        const result = await decide(state);
        trace.finish(result.ok ? (http?.status ?? state.response.status ?? 200) : errorStatus(result.error));
        return result;
      } catch (error) {
        trace.finish(error instanceof TRPCError ? errorStatus(error) : 500);
        throw error;
      }

      async function decide(state: CallState): Promise<Awaited<ReturnType<typeof next>>> {
        // Built field by field, not spread over defaults: every logged call makes one, and a literal spread over
        // properties it already has is V8's slow path (measured at some 10 µs a call in the bench's profile).
        const layer = (
          fields: Partial<LayerDecision> & Pick<LayerDecision, 'decision'>,
          keyed?: Keyed,
        ): void =>
          state.trace?.decided({
            kind: fields.kind ?? keyed?.kind ?? (edge.source.kind === 'fields' ? 'natural' : 'key'),
            key: keyed?.key ?? null,
            keyId: fields.keyId ?? null,
            decision: fields.decision,
            reason: fields.reason ?? null,
            fingerprint: fields.fingerprint ?? noFingerprint,
            naturalId: fields.naturalId ?? keyed?.naturalId ?? null,
          });

        const found = findKey(
          edge,
          input,
          http,
          batchIndex,
          keyFrom as ((input: never) => string | undefined) | undefined,
        );
        if (!found.ok) {
          // Refused before the engine saw it (a repeated key header, say): still an event support can find.
          const code = refusalOf(found.error)?.code ?? 'KEY_INVALID';
          layer({ decision: 'refused', reason: code });
          engine.record(
            'refused',
            { scope: scope!, procedure: path, kind: 'key', key: '' },
            {
              requestId: http?.requestId ?? null,
              detail: { reason: code, status: refusalOf(found.error)?.status ?? null },
            },
          );
          throw found.error;
        }
        const raw =
          edge.policy.fingerprint.mode === 'bytes'
            ? ((http?.isBatch ? undefined : http?.rawBody) ?? JSON.stringify(input ?? null))
            : undefined;

        let decision: Awaited<ReturnType<typeof engine.begin>>;
        try {
          decision = await engine.begin({
            scope: scope!,
            procedure: path,
            kind: found.kind,
            key: found.key,
            policy: edge.policy,
            payload: { value: input, raw },
            requestId: http?.requestId ?? null,
            naturalId: found.naturalId,
            signal,
            answers,
          });
        } catch (error) {
          // Fail closed: a mutation whose key cannot be recorded does not run.
          if (error instanceof IdemError && error.code === 'STORE_UNAVAILABLE')
            throw storeUnavailable(error, 'the request was not processed');
          throw error;
        }
        const keyed = { kind: found.kind, key: found.key ?? null, naturalId: found.naturalId };

        switch (decision.kind) {
          case 'unprotected':
            layer({ decision: 'unprotected', kind: 'key', fingerprint: decision.fingerprint });
            return next({
              ctx: {
                idempotency: idempotencyContext(
                  { key: null, kind: null, status: 'unprotected', reason: null },
                  undefined,
                  { pending: state.pending, response: state.response, trace: state.trace },
                  http,
                ),
              },
            });
          case 'invalid':
            layer({ decision: 'refused', reason: decision.code }, keyed);
            throw refuse(
              decision.code === 'PAYLOAD_TOO_LARGE' ? 413 : presentation.invalidKeyStatus,
              decision.code,
              decision.message,
            );
          case 'conflict':
            layer(
              {
                decision: 'conflict',
                keyId: decision.record.id,
                reason: presentation.conflict.code,
              },
              keyed,
            );
            throw refuse(
              presentation.conflict.status,
              presentation.conflict.code,
              presentation.conflict.message,
              {
                expiresAt: decision.record.expiresAt,
              },
            );
          case 'in_flight': {
            layer(
              {
                decision: 'in_flight',
                keyId: decision.record.id,
                // Seed 003: this duplicate waited its turn and found the first finished.
                reason: decision.holder === 'finished' ? 'serialized' : 'running',
              },
              keyed,
            );
            const { retryAfterMs } = presentation.inFlight;
            http?.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
            throw refuse(
              presentation.inFlight.status,
              presentation.inFlight.code,
              presentation.inFlight.message,
              {
                retryAfterMs,
              },
            );
          }
          case 'replay': {
            const { record } = decision;
            layer(
              {
                decision: 'replay',
                keyId: record.id,
                reason: decision.mismatch ? 'payload_differed' : null,
                fingerprint: () => record.fingerprint,
              },
              keyed,
            );
            const replayed = replay(decision, edge, transformer, http);
            if (!replayed.ok) throw replayed.error;
            // tRPC has no public way for a middleware to answer without calling next(): this is the result next()
            // itself returns for a success (see the middleware tests), with tRPC's marker string.
            return { ok: true, data: replayed.data, marker: 'middlewareMarker' } as unknown as Awaited<
              ReturnType<typeof next>
            >;
          }
          case 'execute': {
            const execution = decision.execution as Execution<unknown>;
            const claims = await claimUniques(engine, edge, claimPolicy, execution, input, http);
            if (!Array.isArray(claims)) {
              layer(
                {
                  decision: 'duplicate',
                  keyId: execution.record.id,
                  reason: claims.code,
                  naturalId: claims.value,
                },
                keyed,
              );
              await execution.abandon().catch(() => {});
              throw claims.error;
            }
            layer(
              {
                decision: 'first_call',
                keyId: execution.record.id,
                reason: decision.reason,
                fingerprint: () => execution.record.fingerprint,
              },
              keyed,
            );
            const settlement = settle({
              execution,
              claims,
              edge,
              path,
              transformer,
              http,
              response: state.response,
            });
            const inner: CallState = {
              pending: [...state.pending, settlement],
              response: state.response,
              trace: state.trace,
            };
            const idempotency = idempotencyContext(
              {
                key: execution.ref.key,
                kind: execution.ref.kind,
                status: 'created',
                reason: decision.reason,
              },
              () => execution.signal,
              inner,
              http,
            );
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
      }
    });
  }

  /**
   * Runs the rest of the procedure in one database transaction and stores the pending outcomes inside it: the
   * procedure's writes (through `ctx.tx`) and its stored outcome commit together or not at all (K11). Place it
   * after idempotent(); anything between the two (a call to a payment provider, say) runs before the transaction
   * opens, so the transaction stays short. Needs a transactional store (pgStore, sqliteStore, prismaStore).
   *
   * @example
   * authed.use(idem.idempotent({ preset: 'salesbricks' })).input(Usage).use(idem.transaction()).mutation(
   *   ({ ctx, input }) => ctx.tx.query('INSERT INTO usage …'))
   */
  function transaction(): TRPCMiddlewareBuilder<TCtx, TMeta, { tx: TxOf<S> }, unknown> {
    return createTransaction<TCtx, TMeta, S>(t, {
      engineOf,
      ...(options.transaction ? { open: options.transaction } : {}),
      ...(options.isTransient ? { isTransient: options.isTransient } : {}),
    });
  }

  return { idempotent, transaction };
}
