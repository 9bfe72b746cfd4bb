// The admin side of the Redis store (D1–D5), over the indexes its scripts keep (see redis-scripts.ts): keys are
// paged by record id through `<prefix>:ids`, in-flight counts come from `<prefix>:flying`, expiry counts from the
// purge index, events from the event indexes, and the audit log is a sorted set of ids with their bodies.
//
// Redis has no secondary indexes to answer a filtered search in one step, so a search walks the ids in batches
// and filters them here, up to a budget per call; when the budget runs out first, the page is short and its
// cursor continues the walk (a caller pages on until the cursor is null). Keys written before this index
// existed are found once they are touched again.
import {
  type AuditEntry,
  countedTotal,
  duplicateGroups,
  duplicateWindow,
  type IdempotencyAdmin,
  isIncident,
  JOB_STALE_MS,
  keyIdsFromRequests,
  matchesKeySearchExtras,
  matchesRequestSearch,
  type RequestSearch,
  requestStatsCounter,
  type StaffJob,
  type KeySearch,
  matchesSearch,
  pageSize,
  statsCounter,
} from '../../admin.ts';
import type { EventQuery, IdemEvent, IdemEventType } from '../../events.ts';
import { idFloor, newId } from '../../ids.ts';
import type { KeyRecord } from '../../record.ts';
import type { LoggedRequest } from '../../requests.ts';
import type { KeyRef } from '../../store.ts';
import type { ScriptName } from './scripts.ts';

type Arg = string | number;

export interface RedisAdminSource {
  run<T>(name: ScriptName, keys: readonly string[], args: readonly Arg[]): Promise<T>;
  toRecord(flat: readonly string[]): KeyRecord;
  get(ref: KeyRef): Promise<KeyRecord | undefined>;
  listEvents(query: EventQuery): Promise<IdemEvent[]>;
  /** One page of the request log from an index, newest first (`upper`: '+' or '(<id>'); null when capped away. */
  requestsPage(
    index: string,
    upper: string,
    count: number,
  ): Promise<{ id: string; request: LoggedRequest | null }[]>;
  requestIndexes: {
    all: string;
    byRequestId(requestId: string): string;
    byDecision(decision: string): string;
  };
  keys: { ids: string; flying: string; due: string; audit: string; auditBodies: string };
  goneKey(id: string): string;
  grace: number;
  /** Prefix of every Redis key of the store. */
  prefix: string;
  /** Plain commands for staff state. */
  client: { get(key: string): Promise<string | null>; del(...keys: string[]): Promise<number> };
}

/** Staff jobs are kept this long after they were last touched. */
const JOB_RETENTION_MS = 30 * 24 * 3_600_000;

// cjson turns JSON null into a Lua sentinel and back, and leaves missing fields out: every field is filled in.
const jobOf = (json: string): StaffJob => {
  const j = JSON.parse(json) as Partial<StaffJob>;
  return {
    id: j.id!,
    type: j.type!,
    actor: j.actor!,
    state: j.state ?? 'running',
    startedAt: j.startedAt!,
    updatedAt: j.updatedAt!,
    finishedAt: j.finishedAt ?? null,
    progress: j.progress ?? null,
    error: j.error ?? null,
  };
};

/** Keys examined per search call at most, in batches; a search that finds its page sooner stops sooner. */
const SEARCH_BUDGET = 20_000;
const SEARCH_BATCH = 500;
/** Events read per batch while counting or listing incidents. */
const EVENT_BATCH = 1000;

const INCIDENT_TYPES: Record<'conflicts' | 'natural', IdemEventType[]> = {
  conflicts: ['conflict'],
  natural: ['natural_duplicate', 'replay', 'conflict'],
};

export function createRedisAdmin(source: RedisAdminSource): IdempotencyAdmin {
  const { run, keys } = source;

  /**
   * Visits logged requests newest first from `index`, before `before`, while `visit` returns true, examining at
   * most the search budget; returns the last id examined and whether the index ran out.
   */
  async function walkRequests(
    index: string,
    before: string | undefined,
    visit: (r: LoggedRequest) => boolean,
  ): Promise<{ last: string | null; exhausted: boolean }> {
    let upper = before === undefined ? '+' : `(${before}`;
    let scanned = 0;
    let last: string | null = null;
    while (scanned < SEARCH_BUDGET) {
      const page = await source.requestsPage(index, upper, SEARCH_BATCH);
      for (const { id, request } of page) {
        last = id;
        scanned++;
        if (request !== null && !visit(request)) return { last, exhausted: false };
      }
      if (page.length < SEARCH_BATCH) return { last, exhausted: true };
      upper = `(${last}`;
    }
    return { last, exhausted: false };
  }

  /** The narrowest index a request search can walk. */
  const requestIndexOf = (q: RequestSearch): string =>
    q.decisions?.length === 1 ? source.requestIndexes.byDecision(q.decisions[0]!) : source.requestIndexes.all;

  /** The logged requests a key search's text or fields look through (bounded by the search budget). */
  async function requestsFor(q: KeySearch): Promise<LoggedRequest[]> {
    const found: LoggedRequest[] = [];
    if ((q.text === undefined || q.text === '') && q.fields === undefined) return found;
    await walkRequests(source.requestIndexes.all, undefined, (r) => {
      if (r.keyId !== null) found.push(r);
      return true;
    });
    return found;
  }

  const keyById = async (id: string): Promise<KeyRecord | undefined> => {
    const flat = await run<string[]>('keyById', [keys.ids], [id]);
    return flat.length === 0 ? undefined : source.toRecord(flat);
  };

  /** Events newest first that pass `keep`, from `before` on, until `limit` + 1 are found or none are left. */
  async function collect(
    query: EventQuery,
    keep: (e: IdemEvent) => boolean,
    limit: number,
  ): Promise<IdemEvent[]> {
    const found: IdemEvent[] = [];
    let before = query.before;
    for (;;) {
      const page = await source.listEvents({ ...query, before, limit: EVENT_BATCH });
      for (const e of page) if (keep(e) && found.length <= limit) found.push(e);
      if (found.length > limit || page.length < EVENT_BATCH) return found;
      before = page[page.length - 1]!.id;
    }
  }

  /** Counts the keys a search matches, walking at most the search budget. */
  async function countKeys(
    q: KeySearch,
    via: ReturnType<typeof keyIdsFromRequests>,
  ): Promise<NonNullable<Awaited<ReturnType<IdempotencyAdmin['searchKeys']>>['total']>> {
    const filters: KeySearch = { ...q, cursor: undefined };
    let bound = '+';
    let scanned = 0;
    let n = 0;
    while (scanned < SEARCH_BUDGET) {
      const [at, count, ...rest] = await run<[number, number, ...(string | string[])[]]>(
        'scanKeys',
        [keys.ids],
        ['newest', bound, SEARCH_BATCH],
      );
      for (let i = 0; i + 1 < rest.length; i += 2) {
        scanned++;
        const fields = rest[i + 1] as string[];
        if (fields.length === 0) continue;
        const record = source.toRecord(fields);
        if (matchesSearch(record, filters, at) && matchesKeySearchExtras(record, q, via)) n++;
      }
      if (count < SEARCH_BATCH) return countedTotal(n);
      bound = `(${rest[rest.length - 2] as string}`;
    }
    return { value: n, relation: 'at_least' };
  }

  return {
    async searchKeys(q: KeySearch) {
      const limit = pageSize(q.limit);
      const oldest = q.order === 'oldest';
      const after = (id: string) => (oldest ? `(${id}}` : `(${id}`);
      let bound = q.cursor === undefined ? (oldest ? '-' : '+') : after(q.cursor);
      const filters: KeySearch = { ...q, cursor: undefined };
      const via = keyIdsFromRequests(await requestsFor(q), q);
      const items: KeyRecord[] = [];
      let now = 0;
      let scanned = 0;
      let last: string | null = null;
      let exhausted = false;
      while (items.length <= limit && scanned < SEARCH_BUDGET) {
        const [at, count, ...rest] = await run<[number, number, ...(string | string[])[]]>(
          'scanKeys',
          [keys.ids],
          [oldest ? 'oldest' : 'newest', bound, SEARCH_BATCH],
        );
        now = at;
        for (let i = 0; i + 1 < rest.length && items.length <= limit; i += 2) {
          last = rest[i] as string;
          scanned++;
          const fields = rest[i + 1] as string[];
          if (fields.length === 0) continue;
          const record = source.toRecord(fields);
          if (matchesSearch(record, filters, now) && matchesKeySearchExtras(record, q, via))
            items.push(record);
        }
        if (count < SEARCH_BATCH) {
          exhausted = items.length <= limit;
          break;
        }
        bound = after(last!);
      }
      // Redis counts what one walk of the budget finds: exact when the walk reached the end, else a lower bound.
      const total = q.count ? await countKeys(q, via) : null;
      if (items.length > limit)
        return { items: items.slice(0, limit), nextCursor: items[limit - 1]!.id, now, total };
      // Out of budget before the page filled: a short page whose cursor carries on where the walk stopped.
      return { items, nextCursor: exhausted || last === null ? null : last, now, total };
    },

    async searchRequests(q) {
      const limit = pageSize(q.limit);
      const oldest = q.order === 'oldest';
      const filters = { ...q, cursor: undefined };
      const items: LoggedRequest[] = [];
      let total = 0;
      let last: string | null = null;
      let exhausted = true;
      if (q.requestIds !== undefined) {
        // A story's requests: straight from their request-id indexes.
        const seen = new Map<string, LoggedRequest>();
        for (const requestId of q.requestIds)
          await walkRequests(source.requestIndexes.byRequestId(requestId), undefined, (r) => {
            if (matchesRequestSearch(r, q)) seen.set(r.id, r);
            return true;
          });
        const all = [...seen.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
        if (oldest) all.reverse();
        const now = await run<number>('now', [], []);
        const page = all.slice(0, limit);
        return {
          items: page,
          nextCursor: all.length > limit ? page[page.length - 1]!.id : null,
          now,
          total: q.count ? countedTotal(all.length) : null,
        };
      }
      if (oldest) {
        // The log is walked newest first; oldest first means keeping the tail of what matched.
        const all: LoggedRequest[] = [];
        ({ exhausted } = await walkRequests(requestIndexOf(q), undefined, (r) => {
          if (matchesRequestSearch(r, q)) all.push(r);
          return true;
        }));
        all.reverse();
        const page = all.slice(0, limit);
        return {
          items: page,
          nextCursor: all.length > limit ? page[page.length - 1]!.id : null,
          now: await run<number>('now', [], []),
          total: q.count
            ? exhausted
              ? countedTotal(all.length)
              : { value: all.length, relation: 'at_least' }
            : null,
        };
      }
      ({ last, exhausted } = await walkRequests(requestIndexOf(q), q.cursor, (r) => {
        if (!matchesRequestSearch(r, filters)) return true;
        if (items.length <= limit) items.push(r);
        total++;
        return q.count === true || items.length <= limit;
      }));
      const now = await run<number>('now', [], []);
      const counted = q.count
        ? q.cursor === undefined && exhausted
          ? countedTotal(total)
          : { value: total, relation: 'at_least' as const }
        : null;
      if (items.length > limit)
        return { items: items.slice(0, limit), nextCursor: items[limit - 1]!.id, now, total: counted };
      return { items, nextCursor: exhausted || last === null ? null : last, now, total: counted };
    },

    async requestStats(query) {
      const now = await run<number>('now', [], []);
      const counter = requestStatsCounter(now, query);
      // A request is logged after it was decided on: once ids fall below the window's start, so do times.
      const floor = idFloor(counter.from);
      await walkRequests(source.requestIndexes.all, undefined, (r) => {
        counter.request(r);
        return r.id >= floor;
      });
      return counter.result();
    },

    async duplicates(q) {
      const now = await run<number>('now', [], []);
      const from = duplicateWindow(now, q);
      const inWindow: LoggedRequest[] = [];
      const floor = idFloor(from);
      await walkRequests(source.requestIndexes.all, undefined, (r) => {
        if (r.at >= from && r.at <= now) inWindow.push(r);
        return r.id >= floor;
      });
      const groups = duplicateGroups(inWindow, q.kind);
      const after = groups.filter((g) => q.cursor === undefined || g.id < q.cursor);
      const limit = pageSize(q.limit);
      const items = after.slice(0, limit);
      return {
        items,
        nextCursor: after.length > limit ? items[items.length - 1]!.id : null,
        now,
        from,
        total: q.count ? groups.length : null,
      };
    },

    async procedures() {
      const names = new Set<string>();
      await walkRequests(source.requestIndexes.all, undefined, (r) => {
        names.add(r.procedure);
        return names.size < 500;
      });
      const [, , ...rest] = await run<[number, number, ...(string | string[])[]]>(
        'scanKeys',
        [keys.ids],
        ['newest', '+', SEARCH_BATCH],
      );
      for (let i = 1; i < rest.length; i += 2) {
        const fields = rest[i] as string[];
        const at = fields.indexOf('procedure');
        if (at >= 0 && at % 2 === 0) names.add(fields[at + 1]!);
      }
      return [...names].sort().slice(0, 500);
    },

    keyById,

    async keyStory(target, options = {}) {
      let record: KeyRecord | undefined;
      let ref: KeyRef | undefined;
      if ('id' in target) {
        record = await keyById(target.id);
        if (record !== undefined) ref = record;
        else {
          const json = await run<string | null>('gone', [source.goneKey(target.id)], []);
          if (json) {
            ref = JSON.parse(json) as KeyRef;
            // The key may have been claimed again since: a record of a later generation.
            record = await source.get({ ...ref, kind: ref.kind ?? 'key' });
          }
        }
      } else {
        ref = target.ref;
        record = await source.get(ref);
      }
      if (ref === undefined) return undefined;
      const kind = ref.kind ?? 'key';
      const events = await source.listEvents({
        scope: ref.scope,
        procedure: ref.procedure,
        kind,
        key: ref.key,
        limit: options.eventLimit ?? 500,
      });
      if (record === undefined && events.length === 0) return undefined;
      const now = await run<number>('now', [], []);
      return {
        ref: { scope: ref.scope, procedure: ref.procedure, kind, key: ref.key },
        record: record ?? null,
        events,
        now,
      };
    },

    async incidents(q) {
      const limit = pageSize(q.limit);
      const types = INCIDENT_TYPES[q.kind];
      const found = await collect(
        { types: types.length === 1 ? types : undefined, before: q.cursor },
        (e) => isIncident(e, q.kind),
        limit,
      );
      const now = await run<number>('now', [], []);
      const items = found.slice(0, limit);
      return { items, nextCursor: found.length > limit ? items[limit - 1]!.id : null, now };
    },

    async stats(query) {
      const [now, inFlightNow, stuckNow, expiringWithinHour, expiredNow] = await run<
        [number, number, number, number, number]
      >('keyCounts', [keys.flying, keys.due], [source.grace]);
      const counter = statsCounter(now, query);
      // Newest first until the window's start: the event log is capped, so this walk is bounded too.
      let before: string | undefined;
      for (;;) {
        const page = await source.listEvents({ before, limit: EVENT_BATCH });
        for (const e of page) counter.event(e);
        if (page.length < EVENT_BATCH || page[page.length - 1]!.at < counter.from) break;
        before = page[page.length - 1]!.id;
      }
      return counter.result({ inFlightNow, stuckNow, expiringWithinHour, expiredNow });
    },

    async appendAudit(input) {
      const id = newId();
      const at = await run<number>(
        'appendAudit',
        [keys.audit, keys.auditBodies],
        [id, JSON.stringify(input)],
      );
      const entry: AuditEntry = { ...input, id, at };
      return entry;
    },

    async startJob(input) {
      const [started, json] = await run<[number, string]>(
        'jobStart',
        [`${source.prefix}:job:latest:${input.type}`],
        [
          source.prefix,
          JSON.stringify({
            id: newId(),
            type: input.type,
            actor: input.actor,
            state: 'running',
            progress: input.progress,
          }),
          JOB_STALE_MS,
          JOB_RETENTION_MS,
        ],
      );
      return { job: jobOf(json), started: started === 1 };
    },

    async updateJob(id, update) {
      const json = await run<string | null>(
        'jobUpdate',
        [`${source.prefix}:job:${id}`],
        [JSON.stringify(update), JOB_RETENTION_MS],
      );
      return typeof json === 'string' ? jobOf(json) : undefined;
    },

    async job(target) {
      const id =
        'id' in target
          ? target.id
          : await source.client.get(`${source.prefix}:job:latest:${target.latestOfType}`);
      if (id === null) return undefined;
      const json = await source.client.get(`${source.prefix}:job:${id}`);
      return json === null ? undefined : jobOf(json);
    },

    async count(name, ttlMs) {
      return Number(await run<number>('count', [`${source.prefix}:state:${name}`], [ttlMs]));
    },

    async counted(name) {
      return Number((await source.client.get(`${source.prefix}:state:${name}`)) ?? 0);
    },

    async forget(name) {
      await source.client.del(`${source.prefix}:state:${name}`);
    },

    async listAudit(q = {}) {
      const limit = pageSize(q.limit);
      const upper = q.cursor === undefined ? '+' : `(${q.cursor}`;
      const flat = await run<(string | null)[]>(
        'eventsPage',
        [keys.audit, keys.auditBodies],
        [upper, limit + 1],
      );
      const entries: AuditEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const body = flat[i + 1];
        if (typeof body !== 'string') continue;
        const space = body.indexOf(' ');
        entries.push({
          ...(JSON.parse(body.slice(space + 1)) as Omit<AuditEntry, 'id' | 'at'>),
          id: flat[i]!,
          at: Number(body.slice(0, space)),
        });
      }
      const items = entries.slice(0, limit);
      return { items, nextCursor: entries.length > limit ? items[limit - 1]!.id : null };
    },
  };
}
