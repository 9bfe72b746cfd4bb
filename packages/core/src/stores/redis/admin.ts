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
  type IdempotencyAdmin,
  isIncident,
  JOB_STALE_MS,
  type StaffJob,
  type KeySearch,
  matchesSearch,
  pageSize,
  statsCounter,
} from '../../admin.ts';
import type { EventQuery, IdemEvent, IdemEventType } from '../../events.ts';
import { newId } from '../../ids.ts';
import type { KeyRecord } from '../../record.ts';
import type { KeyRef } from '../../store.ts';
import type { ScriptName } from './scripts.ts';

type Arg = string | number;

export interface RedisAdminSource {
  run<T>(name: ScriptName, keys: readonly string[], args: readonly Arg[]): Promise<T>;
  toRecord(flat: readonly string[]): KeyRecord;
  get(ref: KeyRef): Promise<KeyRecord | undefined>;
  listEvents(query: EventQuery): Promise<IdemEvent[]>;
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

  return {
    async searchKeys(q: KeySearch) {
      const limit = pageSize(q.limit);
      const oldest = q.order === 'oldest';
      const after = (id: string) => (oldest ? `(${id}}` : `(${id}`);
      let bound = q.cursor === undefined ? (oldest ? '-' : '+') : after(q.cursor);
      const filters: KeySearch = { ...q, cursor: undefined };
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
          if (matchesSearch(record, filters, now)) items.push(record);
        }
        if (count < SEARCH_BATCH) {
          exhausted = items.length <= limit;
          break;
        }
        bound = after(last!);
      }
      if (items.length > limit)
        return { items: items.slice(0, limit), nextCursor: items[limit - 1]!.id, now };
      // Out of budget before the page filled: a short page whose cursor carries on where the walk stopped.
      return { items, nextCursor: exhausted || last === null ? null : last, now };
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
          if (json) ref = JSON.parse(json) as KeyRef;
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
