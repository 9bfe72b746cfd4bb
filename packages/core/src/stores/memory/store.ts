// The in-memory store: one process, no persistence. Every operation applies the pure reducer to a Map entry
// synchronously, so it is atomic in a single process. Use it for tests and single-process tools; it cannot
// protect several processes (the reliability harness proves exactly that).
import type { AdminCapable } from '../../admin.ts';
import type { EventQuery, IdemEvent } from '../../events.ts';
import { newId } from '../../ids.ts';
import { type BeginInput, type KeyEvent, reduceKey } from '../../key-machine.ts';
import type { KeyRecord, Outcome } from '../../record.ts';
import type { LoggedRequest } from '../../requests.ts';
import type { BeginResult, FenceRef, FenceResult, IdempotencyStore, KeyRef } from '../../store.ts';
import { unchanged } from '../../store.ts';
import { ChangeWaiters } from '../../waiters.ts';
import { createMemoryAdmin } from './admin.ts';

export interface MemoryStoreOptions {
  /** The store's clock (default Date.now); tests pass a controllable one to cross TTLs without sleeping. */
  clock?: () => number;
  /**
   * Events kept, oldest dropped first (default 100 000); as many logged requests. The oldest go in chunks, so up to
   * an eighth more may be held for a while.
   */
  maxEvents?: number;
}

export interface MemoryStore extends IdempotencyStore, AdminCapable {
  /** Number of keys held. */
  readonly size: number;
}

// A key's identity inside this process: every field length-prefixed, so no two keys share one whatever their
// text. Cheaper than refId's JSON array (the form other processes and Redis see), which no one outside reads here.
const mapId = (ref: KeyRef): string =>
  `${ref.scope.length}:${ref.scope}${ref.procedure.length}:${ref.procedure}${ref.kind}:${ref.key}`;

/**
 * @example
 * const engine = createEngine({ store: createMemoryStore() });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const clock = options.clock ?? Date.now;
  const maxEvents = options.maxEvents ?? 100_000;
  // Trimmed in chunks: a full log trimmed on every batch copied all of it each time (O(maxEvents) per batch).
  const slack = Math.max(64, maxEvents >> 3);
  const trimmed = <T>(log: T[]): T[] =>
    log.length > maxEvents + slack ? log.slice(log.length - maxEvents) : log;
  const keys = new Map<string, KeyRecord>();
  let events: IdemEvent[] = [];
  let requests: LoggedRequest[] = [];
  const waiters = new ChangeWaiters();

  function apply<E extends KeyEvent>(ref: KeyRef, event: E) {
    const id = mapId(ref);
    const result = reduceKey(keys.get(id), event);
    if (result.state === undefined) keys.delete(id);
    else keys.set(id, result.state);
    return result;
  }

  function fenced(ref: FenceRef, event: KeyEvent & { type: 'complete' | 'abandon' | 'renew' }): FenceResult {
    const { answer } = apply(ref, event);
    if (event.type !== 'renew') waiters.notify(mapId(ref));
    return answer.kind === 'ok'
      ? { ok: true, record: answer.record, now: event.now }
      : { ok: false, reason: answer.reason, now: event.now };
  }

  const admin = createMemoryAdmin({
    keys: () => keys.values(),
    events: () => events,
    requests: () => requests,
    clock,
  });

  return {
    kind: 'memory',
    admin,
    get size() {
      return keys.size;
    },
    async begin(input: BeginInput): Promise<BeginResult> {
      const now = clock();
      const { answer } = apply(input, { type: 'begin', now, id: newId(), input });
      return { answer, now };
    },
    async complete(ref: FenceRef, outcome: Outcome): Promise<FenceResult> {
      return fenced(ref, { type: 'complete', now: clock(), id: ref.id, fence: ref.fence, outcome });
    },
    async abandon(ref: FenceRef): Promise<FenceResult> {
      return fenced(ref, { type: 'abandon', now: clock(), id: ref.id, fence: ref.fence });
    },
    async renew(ref: FenceRef, leaseMs: number): Promise<FenceResult> {
      return fenced(ref, { type: 'renew', now: clock(), id: ref.id, fence: ref.fence, leaseMs });
    },
    async release(ref: KeyRef): Promise<KeyRecord | undefined> {
      const { answer } = apply(ref, { type: 'release', now: clock() });
      waiters.notify(mapId(ref));
      return answer.kind === 'ok' ? answer.record : undefined;
    },
    async void(ref: KeyRef): Promise<KeyRecord | undefined> {
      const { answer } = apply(ref, { type: 'void', now: clock() });
      waiters.notify(mapId(ref));
      return answer.kind === 'ok' ? answer.record : undefined;
    },
    async get(ref: KeyRef): Promise<KeyRecord | undefined> {
      return keys.get(mapId(ref));
    },
    async purgeExpired(limit: number): Promise<number> {
      const now = clock();
      let deleted = 0;
      for (const [id, record] of keys) {
        if (deleted >= limit) break;
        if (reduceKey(record, { type: 'purge', now }).answer.kind === 'ok') {
          keys.delete(id);
          deleted++;
        }
      }
      return deleted;
    },
    async appendEvents(batch: readonly IdemEvent[]): Promise<void> {
      events.push(...batch);
      events = trimmed(events);
    },
    async appendRequests(batch: readonly LoggedRequest[]): Promise<void> {
      requests.push(...batch);
      requests = trimmed(requests);
    },
    async purgeEventsBefore(id: string, limit: number): Promise<number> {
      let n = 0;
      while (n < limit && n < events.length && events[n]!.id < id) n++;
      events.splice(0, n);
      let r = 0;
      while (r < limit && r < requests.length && requests[r]!.id < id) r++;
      requests.splice(0, r);
      return Math.max(n, r);
    },
    async listEvents(query: EventQuery): Promise<IdemEvent[]> {
      const limit = query.limit ?? 100;
      const out: IdemEvent[] = [];
      for (let i = events.length - 1; i >= 0 && out.length < limit; i--) {
        const e = events[i]!;
        if (query.scope !== undefined && e.scope !== query.scope) continue;
        if (query.procedure !== undefined && e.procedure !== query.procedure) continue;
        if (query.kind !== undefined && e.kind !== query.kind) continue;
        if (query.key !== undefined && e.key !== query.key) continue;
        if (query.types !== undefined && !query.types.includes(e.type)) continue;
        if (query.before !== undefined && e.id >= query.before) continue;
        out.push(e);
      }
      return out.sort((a, b) => (a.id < b.id ? 1 : -1));
    },
    waitForChange(ref: KeyRef, seen: KeyRecord, timeoutMs: number, signal?: AbortSignal): Promise<void> {
      const id = mapId(ref);
      return waiters.wait(id, timeoutMs, signal, async () => unchanged(seen, keys.get(id)));
    },
    async now(): Promise<number> {
      return clock();
    },
    async close(): Promise<void> {},
  };
}
