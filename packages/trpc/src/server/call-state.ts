// The state one call shares between its idempotent() layers and idem.transaction(), reached through the
// `ctx.idempotency` a procedure sees: the outcomes still to store, and what the first call answers besides its
// value (status, headers).
import type { ExecuteReason, KeyKind } from '@idem/core';
import type { HttpExchange } from './exchange.ts';
import type { RequestTrace } from './request-log.ts';
import type { ResponseFacts, Settlement } from './settlement.ts';

/** What a procedure behind idempotent() finds in `ctx.idempotency`. */
export interface IdempotencyContext {
  /** The key this call runs under; null when it runs unprotected (no key, optional policy). */
  readonly key: string | null;
  /** What the key is made of: chosen by the client, natural (input fields), or null when unprotected. */
  readonly kind: KeyKind | null;
  /** 'created' for a first call; the procedure never runs for a replay. */
  readonly status: 'created' | 'unprotected';
  /** Why this call may run: a new key, an expired one, a takeover after a dead holder, a changed natural key. */
  readonly reason: ExecuteReason | null;
  /** Aborted if another holder takes the key over (this call's lease ended): stop, the result will be refused. */
  readonly signal: AbortSignal | undefined;
  /** The HTTP status this call succeeds with (201 for a creation); kept with the outcome, so replays answer it. */
  setStatus(status: number): void;
  /** A response header kept with the outcome and replayed with it (Location, say). */
  setHeader(name: string, value: string): void;
}

/** What one call shares between its idempotent() layers and idem.transaction(). */
export interface CallState {
  /** Outcomes still to store, outermost first; idem.transaction() stores them inside its transaction. */
  readonly pending: readonly Settlement[];
  readonly response: ResponseFacts;
  /** What the call's layers decided, for the request log (absent when the log is off). */
  readonly trace?: RequestTrace | undefined;
}

// A class, not an object literal with a getter and a WeakMap beside it: every first call makes one, and a class's
// instances share one shape (measured: 7 µs a call for the literal and the map in the bench's profile).
class CallContext implements IdempotencyContext {
  readonly key: string | null;
  readonly kind: KeyKind | null;
  readonly status: 'created' | 'unprotected';
  readonly reason: ExecuteReason | null;
  readonly #signal: (() => AbortSignal) | undefined;
  readonly #http: HttpExchange | undefined;
  readonly #state: CallState;

  constructor(
    fields: Pick<IdempotencyContext, 'key' | 'kind' | 'status' | 'reason'>,
    signal: (() => AbortSignal) | undefined,
    state: CallState,
    http: HttpExchange | undefined,
  ) {
    this.key = fields.key;
    this.kind = fields.kind;
    this.status = fields.status;
    this.reason = fields.reason;
    this.#signal = signal;
    this.#state = state;
    this.#http = http;
  }

  static stateOf(context: CallContext): CallState {
    return context.#state;
  }

  // Made on first read: most procedures never look, and an AbortSignal is not free.
  get signal(): AbortSignal | undefined {
    return this.#signal?.();
  }

  setStatus(status: number): void {
    this.#state.response.status = status;
    if (this.#http) this.#http.status = status;
  }

  setHeader(name: string, value: string): void {
    this.#state.response.headers[name] = value;
    this.#http?.setHeader(name, value);
  }
}

/** The call state behind a `ctx.idempotency`, if idempotent() made it. */
export function callStateOf(ctx: unknown): CallState | undefined {
  const idempotency = (ctx as { idempotency?: unknown } | null)?.idempotency;
  return idempotency instanceof CallContext ? CallContext.stateOf(idempotency) : undefined;
}

export function idempotencyContext(
  fields: Pick<IdempotencyContext, 'key' | 'kind' | 'status' | 'reason'>,
  signal: (() => AbortSignal) | undefined,
  state: CallState,
  http: HttpExchange | undefined,
): IdempotencyContext {
  return new CallContext(fields, signal, state, http);
}
