// The admin side of the memory store: the same answers as the SQL stores, computed by scanning the maps. Fine
// for tests and tools; the memory store holds one process's keys, not millions.
import {
  type AuditEntry,
  countedTotal,
  duplicateGroups,
  duplicateWindow,
  type IdempotencyAdmin,
  JOB_STALE_MS,
  type StaffJob,
  isIncident,
  keyIdsFromRequests,
  keyState,
  matchesKeySearchExtras,
  matchesRequestSearch,
  matchesSearch,
  pageSize,
  requestStatsCounter,
  statsCounter,
  HOUR_MS,
} from '../../admin.ts';
import type { IdemEvent } from '../../events.ts';
import { newId } from '../../ids.ts';
import type { KeyRecord } from '../../record.ts';
import type { LoggedRequest } from '../../requests.ts';
import { refId } from '../../store.ts';

export interface MemoryAdminSource {
  keys(): Iterable<KeyRecord>;
  /** Oldest first. */
  events(): readonly IdemEvent[];
  /** Oldest first. */
  requests(): readonly LoggedRequest[];
  clock(): number;
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
  const jobs = new Map<string, StaffJob>();
  const counters = new Map<string, { count: number; expiresAt: number }>();
  const newestFirst = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

  const keyById = async (id: string): Promise<KeyRecord | undefined> => {
    for (const record of source.keys()) if (record.id === id) return record;
    return undefined;
  };

  return {
    async searchKeys(q) {
      const now = source.clock();
      const via = keyIdsFromRequests(source.requests(), q);
      const all = [...source.keys()].filter(
        (r) => matchesSearch(r, { ...q, cursor: undefined }, now) && matchesKeySearchExtras(r, q, via),
      );
      const found = all.filter((r) => matchesSearch(r, q, now));
      found.sort(q.order === 'oldest' ? (a, b) => -newestFirst(a, b) : newestFirst);
      return { ...page(found, pageSize(q.limit)), now, total: q.count ? countedTotal(all.length) : null };
    },
    async searchRequests(q) {
      const now = source.clock();
      const found = source.requests().filter((r) => matchesRequestSearch(r, q));
      found.sort(q.order === 'oldest' ? (a, b) => -newestFirst(a, b) : newestFirst);
      const total = q.count
        ? countedTotal(
            source.requests().filter((r) => matchesRequestSearch(r, { ...q, cursor: undefined })).length,
          )
        : null;
      return { ...page(found, pageSize(q.limit)), now, total };
    },
    async requestStats(query) {
      const counter = requestStatsCounter(source.clock(), query);
      for (const r of source.requests()) counter.request(r);
      return counter.result();
    },
    async duplicates(q) {
      const now = source.clock();
      const from = duplicateWindow(now, q);
      const groups = duplicateGroups(
        source.requests().filter((r) => r.at >= from && r.at <= now),
        q.kind,
      );
      const after = groups.filter((g) => q.cursor === undefined || g.id < q.cursor);
      return { ...page(after, pageSize(q.limit)), now, from, total: q.count ? groups.length : null };
    },
    async procedures() {
      const names = new Set<string>();
      for (const r of source.keys()) names.add(r.procedure);
      for (const r of source.requests()) names.add(r.procedure);
      return [...names].sort().slice(0, 500);
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
      } else ref = target.ref;
      // By identity: also the record of a later generation, when the one asked for is gone.
      if (record === undefined && ref !== undefined) {
        const id = refId(ref);
        for (const r of source.keys()) if (refId(r) === id) record = r;
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
        ref: { scope: ref.scope, procedure: ref.procedure, kind: ref.kind, key: ref.key },
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
      const counter = statsCounter(now, query);
      for (const e of source.events()) counter.event(e);
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
      return counter.result({ inFlightNow, stuckNow, expiringWithinHour, expiredNow });
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
    async startJob(input) {
      const now = source.clock();
      for (const job of jobs.values()) {
        if (job.type === input.type && job.state === 'running' && job.updatedAt > now - JOB_STALE_MS)
          return { job, started: false };
      }
      const job: StaffJob = {
        id: newId(),
        type: input.type,
        actor: input.actor,
        state: 'running',
        startedAt: now,
        updatedAt: now,
        finishedAt: null,
        progress: input.progress,
        error: null,
      };
      jobs.set(job.id, job);
      return { job, started: true };
    },
    async updateJob(id, update) {
      const job = jobs.get(id);
      if (job === undefined) return undefined;
      const now = source.clock();
      const next: StaffJob = {
        ...job,
        updatedAt: now,
        ...(update.progress !== undefined ? { progress: update.progress } : {}),
        ...(update.error !== undefined ? { error: update.error } : {}),
        ...(update.state !== undefined ? { state: update.state, finishedAt: now } : {}),
      };
      jobs.set(id, next);
      return next;
    },
    async job(target) {
      if ('id' in target) return jobs.get(target.id);
      return [...jobs.values()].filter((j) => j.type === target.latestOfType).sort(newestFirst)[0];
    },
    async count(name, ttlMs) {
      const now = source.clock();
      const current = counters.get(name);
      const next =
        current === undefined || current.expiresAt <= now
          ? { count: 1, expiresAt: now + ttlMs }
          : { count: current.count + 1, expiresAt: current.expiresAt };
      counters.set(name, next);
      return next.count;
    },
    async counted(name) {
      const current = counters.get(name);
      return current === undefined || current.expiresAt <= source.clock() ? 0 : current.count;
    },
    async forget(name) {
      counters.delete(name);
    },
  };
}
