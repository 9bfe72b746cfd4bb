// The engine decides, for every keyed request, whether it runs, replays, conflicts or waits, and records what
// it decided. It holds no key state of its own: the store is the single source of truth, so any number of
// engines in any number of processes can share one store.
import { begin } from './begin.ts';
import type { BeginRequest, Decision } from './decision.ts';
import { createEventLog } from './event-log.ts';
import type { EventBufferOptions } from './event-buffer.ts';
import type { EventDetail, IdemEvent, IdemEventType } from './events.ts';
import { guard } from './guard.ts';
import { idAt, newId } from './ids.ts';
import { Heartbeats } from './lease.ts';
import { purgeEvents, purgeExpired, type PurgeOptions, type PurgeProgress } from './purge.ts';
import type { KeyRecord } from './record.ts';
import { defaultRedactor, type Redactor, redactingOnce } from './redact.ts';
import { type LoggedRequest, loggedRequest, type RequestReport } from './requests.ts';
import type { IdempotencyStore, KeyRef, TxOf } from './store.ts';
import { EventBuffer } from './event-buffer.ts';
import { refusalLimiter } from './event-log.ts';

export interface EngineOptions<S extends IdempotencyStore = IdempotencyStore> {
  store: S;
  /** Removes secrets from payloads kept for support staff (default: defaultRedactor). */
  redactor?: Redactor;
  /** Who holds leases taken by this engine, shown in the dashboard (default `idem:` and a random id). */
  leaseOwner?: string;
  /** Largest request payload kept with a key or an event, after redaction (default 16 KiB). */
  maxStoredPayloadBytes?: number;
  /** Event batching, or false to record no events. */
  events?: EventBufferOptions | false;
  /**
   * Batching of the request log (each request as received and the answer as sent, D7), or false to keep none.
   * Default: on, for stores that keep one (`appendRequests`); bodies are bounded by maxStoredPayloadBytes.
   */
  requests?: EventBufferOptions | false;
  /** Renew the lease while a holder runs, every leaseMs / 3 (default true). */
  renewLeases?: boolean;
  /**
   * Overrides every policy's lease (K11): how long a dead holder blocks its key. For crash tests and operators
   * who want faster recovery; renewals follow it, so a live holder keeps its key.
   */
  leaseMs?: number;
}

export interface Engine<S extends IdempotencyStore = IdempotencyStore> {
  readonly store: S;
  /** Decides what a request may do (K1–K11). Throws IdemError STORE_UNAVAILABLE when the store cannot answer. */
  begin(request: BeginRequest): Promise<Decision<TxOf<S>>>;
  /** Support staff: end a stuck in-flight key (D5). Returns the record as it was. */
  release(ref: KeyRef, actor: string): Promise<KeyRecord | undefined>;
  /** Support staff: delete a key whatever its state, so the customer's retry runs fresh (D8). */
  void(ref: KeyRef, actor: string, reason: string): Promise<KeyRecord | undefined>;
  /** Deletes expired keys in bounded batches, yielding between them so writers go on (K7). */
  purgeExpired(options?: PurgeOptions): Promise<PurgeProgress>;
  /**
   * Deletes events older than `olderThanMs` (by the store's clock), in bounded batches; returns how many went.
   * Stores that bound their events themselves (Redis) delete nothing here.
   */
  purgeEvents(options: { olderThanMs: number; batchSize?: number; signal?: AbortSignal }): Promise<number>;
  /**
   * Records a request as the edge answered it (D7): the decision, the request as received and the answer as sent.
   * Written behind the request in batches; secrets redacted and sizes bounded here. Refusals are rate-limited like
   * their events.
   */
  recordRequest(report: RequestReport): void;
  /** Records an event the edge observed (a natural duplicate, N5; a refusal it decided itself, rate-limited). */
  record(
    type: IdemEventType,
    ref: KeyRef,
    fields?: Partial<Pick<IdemEvent, 'requestId' | 'payload' | 'detail'>>,
  ): void;
  /** Writes the events and logged requests still buffered. */
  flushEvents(): Promise<void>;
  /** Flushes events and stops lease renewals. Does not close the store. */
  close(): Promise<void>;
}

/**
 * Creates an engine over a store.
 *
 * @example
 * const engine = createEngine({ store: createMemoryStore() });
 * const policy = definePolicy();
 * const decision = await engine.begin({ scope: 'caller-1', procedure: 'orders.create',
 *   key: request.headers.get('idempotency-key'), policy, payload: { value: body } });
 * if (decision.kind === 'execute') {
 *   const body = JSON.stringify(await createOrder());
 *   await decision.execution.complete({ ok: true, status: 201, body });
 * }
 */
export function createEngine<S extends IdempotencyStore>(options: EngineOptions<S>): Engine<S> {
  const { store } = options;
  const events = createEventLog((batch) => store.appendEvents(batch), options.events);
  const appendRequests = store.appendRequests?.bind(store);
  const requests =
    appendRequests === undefined || options.requests === false
      ? null
      : new EventBuffer<LoggedRequest>(appendRequests, options.requests ?? {});
  const allowRefusedRequest = refusalLimiter();
  const heartbeats = new Heartbeats();
  // The store's clock minus this process's, as last read: requests are stamped with the store's time without asking
  // it again (a refusal, say, never reaches the store).
  const clock = { skew: 0 };
  const redact = options.redactor ?? defaultRedactor;
  const context = {
    store,
    events,
    heartbeats,
    renewLeases: options.renewLeases ?? true,
    redactPayload: redactingOnce(redact),
    leaseOwner: options.leaseOwner ?? `idem:${newId().slice(-12)}`,
    maxStoredPayloadBytes: options.maxStoredPayloadBytes ?? 16 * 1024,
    leaseMs: options.leaseMs,
    clock,
  };

  // An action of support staff on one key, recorded with who did it.
  async function staffAction(
    type: 'release' | 'void',
    ref: KeyRef,
    run: () => Promise<KeyRecord | undefined>,
    detail: EventDetail,
  ): Promise<KeyRecord | undefined> {
    const before = await guard(type, run);
    if (before !== undefined) {
      events.emit(type, ref, await guard('now', () => store.now()), {
        keyId: before.id,
        detail: { ...detail, fence: before.fence, leaseOwner: before.leaseOwner },
      });
    }
    return before;
  }

  return {
    store,
    begin: (request) => begin<TxOf<S>>(context, request),
    release: (ref, actor) => staffAction('release', ref, () => store.release(ref), { actor }),
    void: (ref, actor, reason) =>
      staffAction('void', ref, () => store.void(ref), {
        actor,
        reason,
      }),
    async purgeExpired(opts = {}) {
      const progress = await purgeExpired(store, opts);
      const all: KeyRef = { scope: '*', procedure: '*', kind: 'key', key: '*' };
      events.emit('purge', all, await guard('now', () => store.now()), { detail: { ...progress } });
      return progress;
    },
    purgeEvents: (opts) => purgeEvents(store, opts),
    recordRequest(report) {
      if (requests === null) return;
      const at = Math.round((report.at ?? Date.now()) + clock.skew);
      if (report.decision === 'refused') {
        const ref = { scope: report.scope, procedure: report.procedure, kind: report.kind ?? 'key', key: '' };
        if (allowRefusedRequest(ref, at, report.reason ?? 'refused') === null) return;
      }
      try {
        requests.push({
          // Named by its time: a window of time is a range of ids (the log's primary key).
          id: idAt(at),
          at,
          ...loggedRequest(report, redact, context.maxStoredPayloadBytes, context.redactPayload),
        });
      } catch (error) {
        console.error('[idem] could not record a request:', error);
      }
    },
    record(type, ref, fields = {}) {
      if (type === 'refused') {
        const reason = typeof fields.detail?.reason === 'string' ? fields.detail.reason : 'refused';
        events.emitRefusal(ref, Date.now() + clock.skew, reason, fields);
        return;
      }
      void store.now().then(
        (now) => events.emit(type, ref, now, fields),
        () => events.emit(type, ref, Date.now(), fields),
      );
    },
    flushEvents: async () => {
      await events.flush();
      await requests?.flush();
    },
    async close() {
      heartbeats.stopAll();
      await events.flush();
      await requests?.flush();
    },
  };
}
