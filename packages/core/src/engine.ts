// The engine decides, for every keyed request, whether it runs, replays, conflicts or waits, and records what
// it decided. It holds no key state of its own: the store is the single source of truth, so any number of
// engines in any number of processes can share one store.
import { hostname } from 'node:os';
import { IdemError, type IdemErrorCode } from './errors.ts';
import { EventBuffer, type EventBufferOptions } from './event-buffer.ts';
import type { EventDetail, IdemEvent, IdemEventType } from './events.ts';
import { type Fingerprint, type FingerprintInput, fingerprint } from './fingerprint.ts';
import { idFloor, newId } from './ids.ts';
import { checkKey } from './key.ts';
import type { BeginInput, ExecuteReason } from './key-machine.ts';
import { type Policy, storesOutcome } from './policy.ts';
import type { KeyRecord, Outcome } from './record.ts';
import { boundText, defaultRedactor, type Redactor } from './redact.ts';
import type { FenceRef, FenceResult, IdempotencyStore, KeyRef } from './store.ts';

export interface EngineOptions {
  store: IdempotencyStore;
  /** Removes secrets from payloads kept for support staff (default: defaultRedactor). */
  redactor?: Redactor;
  /** Who holds leases taken by this engine, shown in the dashboard (default host:pid). */
  leaseOwner?: string;
  /** Largest request payload kept with a key or an event, after redaction (default 16 KiB). */
  maxStoredPayloadBytes?: number;
  /** Event batching, or false to record no events. */
  events?: EventBufferOptions | false;
  /** Renew the lease while a holder runs, every leaseMs / 3 (default true). */
  renewLeases?: boolean;
  /**
   * Overrides every policy's lease (K11): how long a dead holder blocks its key. For crash tests and operators
   * who want faster recovery; renewals follow it, so a live holder keeps its key.
   */
  leaseMs?: number;
}

/** One keyed request as the edge sees it. */
export interface BeginRequest {
  /** The authenticated caller: keys never cross callers (K9). */
  scope: string;
  /** The operation, e.g. the tRPC path. */
  procedure: string;
  /** The key as received (header, input field or derived); validated here (K5, K6). */
  key: unknown;
  policy: Policy;
  payload: FingerprintInput;
  requestId?: string | null;
  /** A natural id carried in the payload (external_id …), kept for search. */
  naturalId?: string | null;
  /** Stops a `wait`/`serialize` duplicate from waiting when the caller goes away. */
  signal?: AbortSignal;
}

/** The holder's handle on a key it may execute under. */
export interface Execution {
  readonly ref: FenceRef;
  readonly policy: Policy;
  readonly record: KeyRecord;
  /** Aborted when the lease is lost to a takeover: stop work, the result will be refused. */
  readonly signal: AbortSignal;
  /**
   * Stores the outcome (or, if the policy does not store this status, releases the key). Throws
   * IdemError LEASE_LOST if another holder took the key over: its outcome stands, not ours (K11).
   */
  complete(outcome: Outcome, options?: { tx?: unknown }): Promise<{ stored: boolean }>;
  /** Gives the key up without an outcome: a retry runs fresh. */
  abandon(options?: { tx?: unknown }): Promise<void>;
}

export type Decision =
  /** No key and the policy does not require one: run without protection (K6). */
  | { readonly kind: 'unprotected' }
  /** Refused before running: bad key (K5, K6) or payload. Never stored (K8). */
  | {
      readonly kind: 'invalid';
      readonly code: IdemErrorCode;
      readonly message: string;
      readonly status: number;
    }
  | { readonly kind: 'execute'; readonly reason: ExecuteReason; readonly execution: Execution }
  | {
      readonly kind: 'replay';
      readonly outcome: Outcome;
      /** The status to answer with: the stored one, or the policy's replay status (seed 000: 200). */
      readonly status: number;
      readonly record: KeyRecord;
      /** The payload differed and the policy replays anyway (natural keys, N2, N3). */
      readonly mismatch: boolean;
    }
  | {
      readonly kind: 'conflict';
      readonly record: KeyRecord;
      readonly status: number;
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly kind: 'in_flight';
      readonly record: KeyRecord;
      readonly status: number;
      readonly code: string;
      readonly message: string;
      readonly retryAfterMs: number;
      /** Whether this request waited for the first one before being refused (`serialize`, or a `wait` timeout). */
      readonly waited: boolean;
    };

export interface PurgeProgress {
  deleted: number;
  batches: number;
}

export interface PurgeOptions {
  /** Keys deleted per statement (default 1000): small enough that writers never wait long. */
  batchSize?: number;
  /** Stop after this many batches (default: until nothing is left). */
  maxBatches?: number;
  signal?: AbortSignal;
  onProgress?: (progress: PurgeProgress) => void;
}

export interface Engine {
  readonly store: IdempotencyStore;
  /** Decides what a request may do (K1–K11). Throws IdemError STORE_UNAVAILABLE when the store cannot answer. */
  begin(request: BeginRequest): Promise<Decision>;
  /** Support staff: end a stuck in-flight key (D5). Returns the record as it was. */
  release(ref: KeyRef, actor: string): Promise<KeyRecord | undefined>;
  /** Deletes expired keys in bounded batches, yielding between them so writers go on (K7). */
  purgeExpired(options?: PurgeOptions): Promise<PurgeProgress>;
  /**
   * Deletes events older than `olderThanMs` (by the store's clock), in bounded batches; returns how many went.
   * Stores that bound their events themselves (Redis) delete nothing here.
   */
  purgeEvents(options: { olderThanMs: number; batchSize?: number; signal?: AbortSignal }): Promise<number>;
  /** Records an event the edge observed (e.g. a natural duplicate, N5). */
  record(
    type: IdemEventType,
    ref: KeyRef,
    fields?: Partial<Pick<IdemEvent, 'requestId' | 'payload' | 'detail'>>,
  ): void;
  /** Writes the events still buffered. */
  flushEvents(): Promise<void>;
  /** Flushes events and stops lease renewals. Does not close the store. */
  close(): Promise<void>;
}

async function guard<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (cause) {
    if (cause instanceof IdemError) throw cause;
    throw new IdemError(
      'STORE_UNAVAILABLE',
      `idempotency store unavailable during ${what}`,
      { operation: what },
      { cause },
    );
  }
}

function payloadBytes(fp: Fingerprint, input: FingerprintInput): number {
  if (input.raw !== undefined)
    return typeof input.raw === 'string' ? Buffer.byteLength(input.raw) : input.raw.byteLength;
  const text = fp.canonical ?? '';
  // Every UTF-16 unit is at most 3 UTF-8 bytes: skip the exact count when the text is clearly small.
  return text.length * 3 <= 1024 ? text.length : Buffer.byteLength(text);
}

/**
 * Creates an engine over a store.
 *
 * @example
 * const engine = createEngine({ store: createMemoryStore() });
 * const policy = definePolicy({ preset: 'ietf' });
 * const decision = await engine.begin({ scope: 'caller-1', procedure: 'orders.create', key: req.headers['idempotency-key'],
 *   policy, payload: { value: body } });
 * if (decision.kind === 'execute') {
 *   const body = JSON.stringify(await createOrder());
 *   await decision.execution.complete({ ok: true, status: 201, body });
 * }
 */
export function createEngine(options: EngineOptions): Engine {
  const { store } = options;
  const redact = options.redactor ?? defaultRedactor;
  const leaseOwner = options.leaseOwner ?? `${hostname()}:${process.pid}`;
  const maxStored = options.maxStoredPayloadBytes ?? 16 * 1024;
  const renewLeases = options.renewLeases ?? true;
  const buffer =
    options.events === false
      ? null
      : new EventBuffer((batch) => store.appendEvents(batch), options.events ?? {});
  const heartbeats = new Set<ReturnType<typeof setInterval>>();

  const emit = (
    type: IdemEventType,
    ref: KeyRef,
    at: number,
    fields: {
      keyId?: string | null;
      requestId?: string | null;
      fingerprint?: string | null;
      payload?: string | null;
      detail?: EventDetail | null;
    },
  ): void => {
    buffer?.push({
      id: newId(),
      keyId: fields.keyId ?? null,
      scope: ref.scope,
      procedure: ref.procedure,
      key: ref.key,
      type,
      at,
      requestId: fields.requestId ?? null,
      fingerprint: fields.fingerprint ?? null,
      payload: fields.payload ?? null,
      detail: fields.detail ?? null,
    });
  };

  const keptPayload = (value: unknown, fp: Fingerprint): string | null => {
    if (value === undefined) return null;
    let text: string;
    try {
      const redacted = redact(value);
      // Nothing to hide: the canonical text the fingerprint already made serves, no second serialisation.
      text =
        redacted === value && fp.canonical !== undefined
          ? fp.canonical
          : (JSON.stringify(redacted) ?? 'null');
    } catch {
      return null;
    }
    return boundText(text, maxStored);
  };

  function execution(record: KeyRecord, policy: Policy, requestId: string | null): Execution {
    const ref: FenceRef = {
      scope: record.scope,
      procedure: record.procedure,
      key: record.key,
      id: record.id,
      fence: record.fence,
    };
    const lost = new AbortController();
    let heartbeat: ReturnType<typeof setInterval> | null = null;
    const stop = (): void => {
      if (heartbeat !== null) {
        clearInterval(heartbeat);
        heartbeats.delete(heartbeat);
        heartbeat = null;
      }
    };
    if (renewLeases) {
      heartbeat = setInterval(
        () => {
          store.renew(ref, policy.leaseMs).then(
            (result) => {
              if (!result.ok) {
                stop();
                lost.abort(
                  new IdemError('LEASE_LOST', 'the lease on this key was taken over', { key: ref.key }),
                );
              }
            },
            // A store that cannot be reached now may be back before the lease ends; the fenced complete decides.
            () => {},
          );
        },
        Math.max(5, Math.floor(policy.leaseMs / 3)),
      );
      heartbeat.unref?.();
      heartbeats.add(heartbeat);
    }
    const notify = policy.inFlight.mode !== 'reject';
    const refused = (result: Extract<FenceResult, { ok: false }>): never => {
      emit('lease_lost', ref, result.now, {
        keyId: ref.id,
        requestId,
        detail: { fence: ref.fence, reason: result.reason },
      });
      throw new IdemError(
        'LEASE_LOST',
        `the key was taken over by another holder (${result.reason}); this outcome is refused`,
        {
          key: ref.key,
          fence: ref.fence,
          reason: result.reason,
        },
      );
    };
    return {
      ref,
      policy,
      record,
      signal: lost.signal,
      async complete(outcome, opts) {
        stop();
        if (!storesOutcome(policy, outcome.status)) {
          const result = await guard('abandon', () => store.abandon(ref, { tx: opts?.tx, notify }));
          if (!result.ok) refused(result);
          emit('abandon', ref, result.now, {
            keyId: ref.id,
            requestId,
            detail: { status: outcome.status, reason: 'status not stored by policy' },
          });
          return { stored: false };
        }
        const result = await guard('complete', () => store.complete(ref, outcome, { tx: opts?.tx, notify }));
        if (!result.ok) refused(result);
        emit('complete', ref, result.now, {
          keyId: ref.id,
          requestId,
          detail: { status: outcome.status, ok: outcome.ok, fence: ref.fence },
        });
        return { stored: true };
      },
      async abandon(opts) {
        stop();
        const result = await guard('abandon', () => store.abandon(ref, { tx: opts?.tx, notify }));
        if (!result.ok) refused(result);
        emit('abandon', ref, result.now, { keyId: ref.id, requestId, detail: { fence: ref.fence } });
      },
    };
  }

  async function begin(request: BeginRequest): Promise<Decision> {
    const policy =
      options.leaseMs === undefined ? request.policy : { ...request.policy, leaseMs: options.leaseMs };
    if (!request.scope || !request.procedure) {
      throw new IdemError('SCOPE_MISSING', 'an idempotent request needs a caller scope and a procedure', {});
    }
    const checked = checkKey(request.key, policy.key);
    if (!checked.ok)
      return {
        kind: 'invalid',
        code: checked.code,
        message: checked.message,
        status: policy.invalidKeyStatus,
      };
    if (checked.key === null) return { kind: 'unprotected' };

    let fp: Fingerprint;
    try {
      fp = fingerprint(request.payload, policy.fingerprint);
    } catch (error) {
      if (error instanceof IdemError)
        return { kind: 'invalid', code: error.code, message: error.message, status: 400 };
      throw error;
    }
    if (payloadBytes(fp, request.payload) > policy.maxPayloadBytes) {
      return {
        kind: 'invalid',
        code: 'PAYLOAD_TOO_LARGE',
        message: `the payload is larger than ${policy.maxPayloadBytes} bytes`,
        status: 413,
      };
    }

    const requestId = request.requestId ?? null;
    const ref: KeyRef = { scope: request.scope, procedure: request.procedure, key: checked.key };
    let requestPayload: string | null | undefined;
    const payloadText = (): string | null => {
      if (requestPayload === undefined) requestPayload = keptPayload(request.payload.value, fp);
      return requestPayload;
    };
    const input: BeginInput = {
      ...ref,
      fingerprint: fp,
      policy,
      requestId,
      leaseOwner,
      // Computed lazily: only a claim stores it, and most requests in a storm are not the claim.
      get requestPayload() {
        return payloadText();
      },
      naturalId: request.naturalId ?? null,
    };

    const started = performance.now();
    let waited = false;
    for (;;) {
      const { answer, now } = await guard('begin', () => store.begin(input));
      switch (answer.kind) {
        case 'execute': {
          const { record, reason } = answer;
          emit(reason === 'lease_expired' ? 'takeover' : 'begin', ref, now, {
            keyId: record.id,
            requestId,
            fingerprint: fp.hash,
            detail: { reason, fence: record.fence, leaseOwner, policy: policy.name },
          });
          return { kind: 'execute', reason, execution: execution(record, policy, requestId) };
        }
        case 'replay': {
          const { record, outcome, mismatch } = answer;
          if (waited && policy.inFlight.mode === 'serialize') {
            // Seed 003: duplicates are processed one after the other and the later one is refused.
            emit('in_flight', ref, now, {
              keyId: record.id,
              requestId,
              detail: { waited, after: 'completed' },
            });
            return inFlightDecision(record, 0);
          }
          const status = policy.replay.status ?? outcome.status;
          emit('replay', ref, now, {
            keyId: record.id,
            requestId,
            fingerprint: fp.hash,
            detail: { status, mismatch, waited },
          });
          return { kind: 'replay', outcome, status, record, mismatch };
        }
        case 'conflict': {
          const { record } = answer;
          emit('conflict', ref, now, {
            keyId: record.id,
            requestId,
            fingerprint: fp.hash,
            payload: payloadText(),
            detail: {
              status: policy.conflict.status,
              code: policy.conflict.code,
              storedFingerprint: record.fingerprint,
            },
          });
          return {
            kind: 'conflict',
            record,
            status: policy.conflict.status,
            code: policy.conflict.code,
            message: policy.conflict.message,
          };
        }
        case 'in_flight': {
          const { record, leaseRemainingMs } = answer;
          const remaining = policy.inFlight.waitTimeoutMs - (performance.now() - started);
          if (policy.inFlight.mode !== 'reject' && remaining > 0 && !request.signal?.aborted) {
            waited = true;
            // Sleep until the holder finishes (notified) or its lease could have ended, never in a busy loop.
            await store.waitForChange(ref, record, Math.min(remaining, leaseRemainingMs + 5), request.signal);
            continue;
          }
          emit('in_flight', ref, now, {
            keyId: record.id,
            requestId,
            detail: { retryAfterMs: policy.inFlight.retryAfterMs, waited },
          });
          return inFlightDecision(record, leaseRemainingMs);
        }
        default: {
          const exhaustive: never = answer;
          throw new Error(`unknown answer ${JSON.stringify(exhaustive)}`);
        }
      }
    }

    function inFlightDecision(record: KeyRecord, leaseRemainingMs: number): Decision {
      return {
        kind: 'in_flight',
        record,
        status: policy.inFlight.status,
        code: policy.inFlight.code,
        message: policy.inFlight.message,
        retryAfterMs: Math.min(
          policy.inFlight.retryAfterMs,
          Math.max(leaseRemainingMs, policy.inFlight.retryAfterMs),
        ),
        waited,
      };
    }
  }

  return {
    store,
    begin,
    async release(ref, actor) {
      const before = await guard('release', () => store.release(ref));
      if (before !== undefined) {
        emit('release', ref, await guard('now', () => store.now()), {
          keyId: before.id,
          detail: { actor, fence: before.fence, leaseOwner: before.leaseOwner },
        });
      }
      return before;
    },
    async purgeExpired(opts = {}) {
      const batchSize = opts.batchSize ?? 1000;
      const maxBatches = opts.maxBatches ?? Number.POSITIVE_INFINITY;
      const progress: PurgeProgress = { deleted: 0, batches: 0 };
      while (progress.batches < maxBatches && !opts.signal?.aborted) {
        const deleted = await guard('purge', () => store.purgeExpired(batchSize));
        progress.batches++;
        progress.deleted += deleted;
        opts.onProgress?.({ ...progress });
        if (deleted < batchSize) break;
        // Yield between batches so requests waiting on this process's event loop and pool go first.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const all: KeyRef = { scope: '*', procedure: '*', key: '*' };
      emit('purge', all, await guard('now', () => store.now()), { detail: { ...progress } });
      return progress;
    },
    async purgeEvents(opts) {
      const purge = store.purgeEventsBefore?.bind(store);
      if (purge === undefined) return 0;
      const before = idFloor((await guard('now', () => store.now())) - opts.olderThanMs);
      const batchSize = opts.batchSize ?? 1000;
      let deleted = 0;
      while (!opts.signal?.aborted) {
        const n = await guard('purge events', () => purge(before, batchSize));
        deleted += n;
        if (n < batchSize) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return deleted;
    },
    record(type, ref, fields = {}) {
      void store.now().then(
        (now) => emit(type, ref, now, fields),
        () => emit(type, ref, Date.now(), fields),
      );
    },
    async flushEvents() {
      await buffer?.flush();
    },
    async close() {
      for (const timer of heartbeats) clearInterval(timer);
      heartbeats.clear();
      await buffer?.flush();
    },
  };
}
