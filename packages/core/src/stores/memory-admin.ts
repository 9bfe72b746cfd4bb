// The admin side of the memory store: the same answers as the SQL stores, computed by scanning the maps. Fine
// for tests and tools; the memory store holds one process's keys, not millions.
import {
  type AuditEntry,
  bucketRange,
  emptyBuckets,
  type IdempotencyAdmin,
  isIncident,
  keyState,
  type KeySearch,
  pageSize,
  rates,
  statsWindow,
  tally,
  HOUR_MS,
} from '../admin.ts';
import type { IdemEvent } from '../events.ts';
import { newId } from '../ids.ts';
import type { KeyRecord } from '../record.ts';
import { refId } from '../store.ts';

export interface MemoryAdminSource {
  keys(): Iterable<KeyRecord>;
  /** Oldest first. */
  events(): readonly IdemEvent[];
  clock(): number;
}

/** Whether a record passes a search's filters (and its cursor), judged at the store's `now`. */
export function matchesSearch(record: KeyRecord, q: KeySearch, now: number): boolean {
  if (q.key !== undefined && record.key !== q.key) return false;
  if (q.keyPrefix !== undefined && !record.key.startsWith(q.keyPrefix)) return false;
  if (q.scope !== undefined && record.scope !== q.scope) return false;
  if (q.procedure !== undefined && record.procedure !== q.procedure) return false;
  if (q.naturalId !== undefined && record.naturalId !== q.naturalId) return false;
  if (q.createdFrom !== undefined && record.createdAt < q.createdFrom) return false;
  if (q.createdTo !== undefined && record.createdAt >= q.createdTo) return false;
  if (q.state !== undefined && keyState(record, now) !== q.state) return false;
  if (q.cursor !== undefined) {
    if (q.order === 'oldest' ? record.id <= q.cursor : record.id >= q.cursor) return false;
  }
  return true;
}

function page<T extends { id: string }>(
  sorted: T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = sorted.slice(0, limit);
  return { items, nextCursor: sorted.length > limit ? items[items.length - 1]!.id : null };
}

/** Builds the memory store's admin over its own maps. */
export function createMemoryAdmin(source: MemoryAdminSource): IdempotencyAdmin {
  const audit: AuditEntry[] = [];
  const newestFirst = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

  const keyById = async (id: string): Promise<KeyRecord | undefined> => {
    for (const record of source.keys()) if (record.id === id) return record;
    return undefined;
  };

  return {
    async searchKeys(q) {
      const now = source.clock();
      const found = [...source.keys()].filter((r) => matchesSearch(r, q, now));
      found.sort(q.order === 'oldest' ? (a, b) => -newestFirst(a, b) : newestFirst);
      return { ...page(found, pageSize(q.limit)), now };
    },
    keyById,
    async keyStory(target, options = {}) {
      const now = source.clock();
      let record: KeyRecord | undefined;
      let ref = 'ref' in target ? target.ref : undefined;
      if ('id' in target) {
        record = await keyById(target.id);
        if (record === undefined) ref = source.events().find((e) => e.keyId === target.id);
        else ref = record;
      } else {
        for (const r of source.keys()) if (refId(r) === refId(target.ref)) record = r;
      }
      if (ref === undefined) return undefined;
      const id = refId(ref);
      const events = source
        .events()
        .filter((e) => refId(e) === id)
        .sort(newestFirst)
        .slice(0, options.eventLimit ?? 500);
      if (record === undefined && events.length === 0) return undefined;
      return {
        ref: { scope: ref.scope, procedure: ref.procedure, key: ref.key },
        record: record ?? null,
        events,
        now,
      };
    },
    async incidents(q) {
      const now = source.clock();
      const found = source
        .events()
        .filter((e) => isIncident(e, q.kind) && (q.cursor === undefined || e.id < q.cursor))
        .sort(newestFirst);
      return { ...page(found, pageSize(q.limit)), now };
    },
    async stats(query) {
      const now = source.clock();
      const { windowMs, bucketMs } = statsWindow(query);
      const { from, count } = bucketRange(now, windowMs, bucketMs);
      const buckets = emptyBuckets(from, count, bucketMs);
      const totals = { begin: 0, takeover: 0, replay: 0, conflict: 0, inFlight: 0 };
      for (const e of source.events()) tally(e, { from, now, bucketMs }, buckets, totals);
      let inFlightNow = 0;
      let stuckNow = 0;
      let expiringWithinHour = 0;
      let expiredNow = 0;
      for (const r of source.keys()) {
        const state = keyState(r, now);
        if (state === 'expired') expiredNow++;
        else if (r.expiresAt !== null && r.expiresAt <= now + HOUR_MS) expiringWithinHour++;
        if (state === 'in_flight') {
          inFlightNow++;
          if (r.leaseExpiresAt === null || r.leaseExpiresAt <= now) stuckNow++;
        }
      }
      return {
        now,
        from,
        bucketMs,
        buckets,
        totals,
        ...rates(totals),
        inFlightNow,
        stuckNow,
        expiringWithinHour,
        expiredNow,
      };
    },
    async appendAudit(input) {
      const entry: AuditEntry = { ...input, id: newId(), at: source.clock() };
      audit.push(entry);
      return entry;
    },
    async listAudit(q = {}) {
      const found = audit.filter((e) => q.cursor === undefined || e.id < q.cursor).sort(newestFirst);
      return page(found, pageSize(q.limit));
    },
  };
}
