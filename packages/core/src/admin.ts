// What support staff ask of a store (SPEC D1–D5): find keys, tell a key's story, list conflicts and natural
// duplicates, count what happened over time, and keep an audit log of their own actions. A store that can
// answer these exposes them as `store.admin`; the dashboard's API reaches them through adminOf(store).
//
// Every "now" here is the store's clock (the database's now()), never the reader's: a key is expired, or a
// lease running, by the same clock that decides begin().
import type { IdemEvent, IdemEventType } from './events.ts';
import type { KeyKind, KeyRecord } from './record.ts';
import {
  fieldTerm,
  type LoggedRequest,
  naturalTerm,
  REQUEST_DECISIONS,
  type RequestDecision,
} from './requests.ts';
import type { IdempotencyStore, KeyRef } from './store.ts';

/**
 * A key's state as staff see it. One key has exactly one: `expired` (its retention ended) wins, then
 * `in_flight` (claimed, no outcome yet), then `failed` (the stored outcome is an error or a status ≥ 400),
 * else `completed`.
 */
export type KeyState = 'in_flight' | 'completed' | 'failed' | 'expired';

export const KEY_STATES: readonly KeyState[] = ['in_flight', 'completed', 'failed', 'expired'];

/** Which end of the list comes first. Keys sort by id, and ids are UUIDv7, so this is creation order. */
export type SortOrder = 'newest' | 'oldest';

/** A payload field and the value it must have (`order_id = ord_1`); nested fields dotted (`to.subscriberId`). */
export interface FieldMatch {
  readonly name: string;
  readonly value: string;
}

/**
 * How a free-text search matches. `exact`: a key, a request id or a natural id value exactly as given (indexed).
 * `contains`: also keys and natural ids that contain the text (a scan: slower on large stores).
 */
export type TextMatch = 'exact' | 'contains';

/** How many matched: exactly, at least (counting stopped), or as the database's planner estimates. */
export interface Total {
  readonly value: number;
  readonly relation: 'exact' | 'at_least' | 'estimate';
}

/** Matches are counted one by one up to this many; beyond, a store estimates or says "at least". */
export const COUNT_LIMIT = 10_000;

/** Filters for finding keys (D1); every field optional, all given ones must hold. */
export interface KeySearch {
  /** The exact key. */
  readonly key?: string;
  /** Keys starting with this text (case-sensitive). */
  readonly keyPrefix?: string;
  /** The caller the key belongs to. */
  readonly scope?: string;
  /** The exact procedure. */
  readonly procedure?: string;
  /** Keys of one kind: chosen by the client, natural, or unique claims. */
  readonly kind?: KeyKind;
  readonly state?: KeyState;
  /** A natural id carried in the payload (external_id, execution_id, a unique claim's value). */
  readonly naturalId?: string;
  /** Created at or after this time (ms since the epoch). */
  readonly createdFrom?: number;
  /** Created strictly before this time (ms since the epoch). */
  readonly createdTo?: number;
  /**
   * What a customer quotes: the key, a natural id or one of its values, or (through the request log) the id of a
   * request made under the key. See TextMatch.
   */
  readonly text?: string;
  readonly textMatch?: TextMatch;
  /** Keys of any of these callers (an empty list finds nothing). */
  readonly scopes?: readonly string[];
  /** Keys of any of these procedures (an empty list finds nothing). */
  readonly procedures?: readonly string[];
  /** A stored outcome whose status is at least this. */
  readonly statusFrom?: number;
  /** A stored outcome whose status is at most this. */
  readonly statusTo?: number;
  /** Keys a logged request of which carried every one of these payload fields. */
  readonly fields?: readonly FieldMatch[];
  /** Count the matches too (see Total). */
  readonly count?: boolean;
  readonly order?: SortOrder;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** Page size, 1–200 (default 50). */
  readonly limit?: number;
}

export interface KeyPage {
  readonly items: readonly KeyRecord[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
  /** The store's clock when it answered: judge expiry and leases of these items by it. */
  readonly now: number;
  /** How many keys match, when `count` was asked for. */
  readonly total?: Total | null;
}

/** Filters for finding logged requests (D1, D7); every field optional, all given ones must hold. */
export interface RequestSearch {
  /** A request id, a key, or a natural id value, exactly; with `contains`, also keys and natural ids containing it. */
  readonly text?: string;
  readonly textMatch?: TextMatch;
  readonly scopes?: readonly string[];
  readonly procedures?: readonly string[];
  /** Where it came in, exactly as logged (`POST /v1/usage`). */
  readonly route?: string;
  readonly kind?: KeyKind;
  readonly decisions?: readonly RequestDecision[];
  readonly statusFrom?: number;
  readonly statusTo?: number;
  /** Requests whose payload carried every one of these fields. */
  readonly fields?: readonly FieldMatch[];
  /** The logged request with this id. */
  readonly id?: string;
  /** Requests made under this key record. */
  readonly keyId?: string;
  /** Any of these request ids (a key's story looks its requests up this way). */
  readonly requestIds?: readonly string[];
  /** Decided at or after this time (ms since the epoch). */
  readonly from?: number;
  /** Decided strictly before this time. */
  readonly to?: number;
  readonly count?: boolean;
  readonly order?: SortOrder;
  readonly cursor?: string;
  readonly limit?: number;
}

export interface RequestPage {
  readonly items: readonly LoggedRequest[];
  readonly nextCursor: string | null;
  readonly now: number;
  readonly total: Total | null;
}

/** Requests per decision during one bucket of time. */
export type RequestBucket = { readonly start: number } & Readonly<Record<RequestDecision, number>>;

/** Requests and what was decided for them over a window (the overview, D4): one count per request, not per key. */
export interface RequestStats {
  readonly now: number;
  readonly from: number;
  readonly bucketMs: number;
  readonly buckets: readonly RequestBucket[];
  readonly totals: Readonly<Record<RequestDecision, number>> & { readonly requests: number };
}

/**
 * Possible duplicates (D6). `payload`: the same caller and procedure sent the same payload (fingerprint) under
 * different keys, or under none, within the window: the double charge of a client that minted a new key per retry.
 * `natural`: the same natural key seen more than once (a recognised external_id, a repeated execution_id), or a
 * request refused as a duplicate of another key's resource (N5).
 */
export type DuplicateKind = 'payload' | 'natural';

export interface DuplicateQuery {
  readonly kind: DuplicateKind;
  /** How far back, ending now (default 24 h, at most 31 days). */
  readonly windowMs?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** Groups per page, 1–200 (default 50). */
  readonly limit?: number;
  /** Count every group in the window too. */
  readonly count?: boolean;
}

export interface DuplicateGroup {
  /** The newest request's id: a group's place in the list. */
  readonly id: string;
  readonly kind: DuplicateKind;
  readonly scope: string;
  readonly procedure: string;
  /** What the requests share: the payload's fingerprint, or the natural key. */
  readonly fingerprint: string | null;
  readonly key: string | null;
  readonly naturalId: string | null;
  readonly requests: number;
  /** Distinct keys among them (a request without a key counts as one of its own). */
  readonly keys: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Newest first, at most 20. */
  readonly members: readonly LoggedRequest[];
}

export interface DuplicatePage {
  readonly items: readonly DuplicateGroup[];
  readonly nextCursor: string | null;
  readonly now: number;
  readonly from: number;
  readonly total: number | null;
}

/** Everything known about one key (D2): its record if it still exists, and its events, newest first. */
export interface KeyStory {
  readonly ref: KeyRef;
  /** Null once the key was released, abandoned or purged; its events remain. */
  readonly record: KeyRecord | null;
  /** Events of this identity (every generation of the key), newest first. */
  readonly events: readonly IdemEvent[];
  readonly now: number;
}

/** A story is asked for by record id (from a search) or by identity (from an event whose key is gone). */
export type StoryTarget = { readonly id: string } | { readonly ref: KeyRef };

/**
 * `conflicts`: every refused conflict (same key, other payload). `natural`: natural duplicates, i.e.
 * `natural_duplicate` events and replays or conflicts of natural keys.
 */
export type IncidentKind = 'conflicts' | 'natural';

export interface IncidentQuery {
  readonly kind: IncidentKind;
  /** The `nextCursor` of the previous page (an event id). */
  readonly cursor?: string;
  /** Page size, 1–200 (default 50). */
  readonly limit?: number;
}

export interface EventPage {
  /** Newest first. */
  readonly items: readonly IdemEvent[];
  readonly nextCursor: string | null;
  readonly now: number;
}

export interface StatsQuery {
  /** How far back to count, ending now (default 24 h, at most 31 days). */
  readonly windowMs?: number;
  /** Width of one bucket (default 1 h); the window is cut into at most 500 buckets. */
  readonly bucketMs?: number;
}

/** Counts of what happened to keys during one bucket of time (D4). */
export interface StatsBucket {
  /** Start of the bucket, ms since the epoch. */
  readonly start: number;
  /** First calls: keys claimed to run (event `begin`). */
  readonly begin: number;
  readonly replay: number;
  readonly conflict: number;
  /** Duplicates refused because the first was still running. */
  readonly inFlight: number;
}

export interface KeyStats {
  readonly now: number;
  /** Start of the first bucket. */
  readonly from: number;
  readonly bucketMs: number;
  /** Oldest first, from `from`; the last one holds `now`. */
  readonly buckets: readonly StatsBucket[];
  readonly totals: {
    readonly begin: number;
    readonly takeover: number;
    readonly replay: number;
    readonly conflict: number;
    readonly inFlight: number;
  };
  /** Replays per keyed request in the window (begin + takeover + replay + conflict + in-flight); 0 when none. */
  readonly replayRate: number;
  readonly conflictRate: number;
  /** Keys in flight now (status in_flight, not expired). */
  readonly inFlightNow: number;
  /** Of those, keys whose holder's lease has ended: stuck until a retry or a release. */
  readonly stuckNow: number;
  /** Keys whose retention ends within the next hour. */
  readonly expiringWithinHour: number;
  /** Keys whose retention has ended (purge candidates). */
  readonly expiredNow: number;
}

/** A JSON value, as kept in the audit log's before and after. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [name: string]: JsonValue };

/** An action staff took (D5), as the caller describes it. */
export interface AuditInput {
  /** Who: the signed-in user name. */
  readonly actor: string;
  /** With which role, e.g. 'admin'. */
  readonly role: string;
  /** What, e.g. 'key.release', 'keys.purge'. */
  readonly action: string;
  /** On what: a key's identity as text, or null for actions on many keys. */
  readonly target: string | null;
  readonly before: JsonValue | null;
  readonly after: JsonValue | null;
}

export interface AuditEntry extends AuditInput {
  /** UUIDv7. */
  readonly id: string;
  /** When, on the store's clock. */
  readonly at: number;
}

export interface AuditQuery {
  readonly cursor?: string;
  /** Page size, 1–200 (default 50). */
  readonly limit?: number;
}

export interface AuditPage {
  /** Newest first. */
  readonly items: readonly AuditEntry[];
  readonly nextCursor: string | null;
}

/** A long action staff started (a purge), kept in the store so every process sees its progress. */
export interface StaffJob {
  /** UUIDv7. */
  readonly id: string;
  /** What it does, e.g. 'purge'. */
  readonly type: string;
  readonly actor: string;
  readonly state: 'running' | 'done' | 'failed';
  readonly startedAt: number;
  /** Last progress report; a running job not updated for a minute is taken for dead. */
  readonly updatedAt: number;
  readonly finishedAt: number | null;
  readonly progress: JsonValue;
  readonly error: string | null;
}

export interface JobUpdate {
  readonly progress?: JsonValue;
  /** Set when the job ends. */
  readonly state?: 'done' | 'failed';
  readonly error?: string | null;
}

/** The read side for support staff, the audit log, staff jobs and shared staff state. */
export interface IdempotencyAdmin {
  searchKeys(query: KeySearch): Promise<KeyPage>;
  /** Logged requests, newest first (D1, D7); empty for a store that keeps no request log. */
  searchRequests(query: RequestSearch): Promise<RequestPage>;
  /** Requests per decision over a window (D4): the overview's counts. */
  requestStats(query?: StatsQuery): Promise<RequestStats>;
  /** Possible duplicates over a window, groups newest first (D6). */
  duplicates(query: DuplicateQuery): Promise<DuplicatePage>;
  /** The procedures keys or logged requests name (at most 500), for resolving the names staff type. */
  procedures(): Promise<string[]>;
  keyById(id: string): Promise<KeyRecord | undefined>;
  /** Undefined when neither a record nor any event is known for the target. */
  keyStory(target: StoryTarget, options?: { eventLimit?: number }): Promise<KeyStory | undefined>;
  incidents(query: IncidentQuery): Promise<EventPage>;
  stats(query?: StatsQuery): Promise<KeyStats>;
  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  listAudit(query?: AuditQuery): Promise<AuditPage>;
  /**
   * Starts a job of `type`, unless one is already running (updated within the last minute, by any process): then
   * that one is returned, and `started` is false.
   */
  startJob(input: {
    type: string;
    actor: string;
    progress: JsonValue;
  }): Promise<{ job: StaffJob; started: boolean }>;
  updateJob(id: string, update: JobUpdate): Promise<StaffJob | undefined>;
  /** A job by id, or the latest job of a type. */
  job(target: { id: string } | { latestOfType: string }): Promise<StaffJob | undefined>;
  /**
   * Adds one to a named counter that lives for `ttlMs` from its first count, shared by every process (a sign-out,
   * failed logins); returns the count.
   */
  count(name: string, ttlMs: number): Promise<number>;
  /** A named counter's value; 0 when absent or expired. */
  counted(name: string): Promise<number>;
  /** Forgets a named counter. */
  forget(name: string): Promise<void>;
}

/** How long a running job may go without a progress report before another process takes it for dead. */
export const JOB_STALE_MS = 60_000;

/** A store that answers staff's questions. */
export interface AdminCapable {
  readonly admin: IdempotencyAdmin;
}

/**
 * The admin side of a store, or undefined when the store has none.
 *
 * @example
 * const admin = adminOf(engine.store);
 * if (admin) console.log((await admin.searchKeys({ state: 'in_flight' })).items.length);
 */
export function adminOf(store: IdempotencyStore): IdempotencyAdmin | undefined {
  const admin = (store as Partial<AdminCapable>).admin;
  return admin !== undefined && typeof admin.searchKeys === 'function' ? admin : undefined;
}

/** Whether a stored outcome counts as a failure: an error outcome, or any status ≥ 400. */
export function isFailedRecord(record: KeyRecord): boolean {
  return record.outcome !== null && (!record.outcome.ok || record.outcome.status >= 400);
}

/** The one state a key is in at `now` (see KeyState). */
export function keyState(record: KeyRecord, now: number): KeyState {
  if (record.expiresAt !== null && record.expiresAt <= now) return 'expired';
  if (record.status === 'in_flight') return 'in_flight';
  return isFailedRecord(record) ? 'failed' : 'completed';
}

/** Whether a record passes a search's filters (and its cursor), judged at the store's `now`. */
export function matchesSearch(record: KeyRecord, q: KeySearch, now: number): boolean {
  if (q.key !== undefined && record.key !== q.key) return false;
  if (q.keyPrefix !== undefined && !record.key.startsWith(q.keyPrefix)) return false;
  if (q.scope !== undefined && record.scope !== q.scope) return false;
  if (q.procedure !== undefined && record.procedure !== q.procedure) return false;
  if (q.kind !== undefined && record.kind !== q.kind) return false;
  if (q.naturalId !== undefined && record.naturalId !== q.naturalId) return false;
  if (q.createdFrom !== undefined && record.createdAt < q.createdFrom) return false;
  if (q.createdTo !== undefined && record.createdAt >= q.createdTo) return false;
  if (q.state !== undefined && keyState(record, now) !== q.state) return false;
  if (q.cursor !== undefined) {
    if (q.order === 'oldest' ? record.id <= q.cursor : record.id >= q.cursor) return false;
  }
  return true;
}

/** Event types that count as natural duplicates when they happen on a natural-key procedure. */
export const NATURAL_EVENT_TYPES: readonly IdemEventType[] = ['replay', 'conflict'];

/** Whether an event belongs in an incident view. */
export function isIncident(event: IdemEvent, kind: IncidentKind): boolean {
  if (kind === 'conflicts') return event.type === 'conflict';
  return (
    event.type === 'natural_duplicate' ||
    (NATURAL_EVENT_TYPES.includes(event.type) && event.kind === 'natural')
  );
}

/** Whether an event counts in statistics: unique-constraint claims are bookkeeping of another request. */
export const countsInStats = (event: Pick<IdemEvent, 'kind'>): boolean => event.kind !== 'unique';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
export const HOUR_MS = 60 * 60 * 1000;
const MAX_WINDOW_MS = 31 * 24 * HOUR_MS;
const MAX_BUCKETS = 500;

/** A page size within bounds. */
export const pageSize = (limit: number | undefined): number =>
  Math.min(Math.max(Math.floor(limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);

/** Window and bucket width within bounds: at most 31 days, at most 500 buckets, buckets of at least 1 s. */
export function statsWindow(query: StatsQuery = {}): { windowMs: number; bucketMs: number } {
  const windowMs = Math.min(Math.max(Math.floor(query.windowMs ?? 24 * HOUR_MS), 60_000), MAX_WINDOW_MS);
  const wanted = Math.max(Math.floor(query.bucketMs ?? HOUR_MS), 1000);
  return { windowMs, bucketMs: Math.max(wanted, Math.ceil(windowMs / MAX_BUCKETS)) };
}

/** A bucket while it is being counted. */
export type CountingBucket = { -readonly [K in keyof StatsBucket]: StatsBucket[K] };

/**
 * Where the buckets of a window start: aligned to multiples of the bucket width since the epoch (so hourly
 * buckets start on the hour, UTC), the last one holding `now`.
 */
export function bucketRange(
  now: number,
  windowMs: number,
  bucketMs: number,
): { from: number; count: number } {
  const count = Math.max(1, Math.ceil(windowMs / bucketMs));
  const last = Math.floor(now / bucketMs) * bucketMs;
  return { from: last - (count - 1) * bucketMs, count };
}

/** `count` empty buckets from `from`. */
export function emptyBuckets(from: number, count: number, bucketMs: number): CountingBucket[] {
  return Array.from({ length: count }, (_, i) => ({
    start: from + i * bucketMs,
    begin: 0,
    replay: 0,
    conflict: 0,
    inFlight: 0,
  }));
}

/** What a store counts of its keys for the overview (see KeyStats). */
export type KeyCounts = Pick<KeyStats, 'inFlightNow' | 'stuckNow' | 'expiringWithinHour' | 'expiredNow'>;

/**
 * The buckets of a statistics window ending at `now`, for a store to fill (event by event, or with counts its
 * database grouped), then the answer with rates and the store's key counts.
 *
 * @example
 * const counter = statsCounter(now, query);
 * for (const e of events) counter.event(e);
 * return counter.result({ inFlightNow, stuckNow, expiringWithinHour, expiredNow });
 */
export function statsCounter(now: number, query?: StatsQuery) {
  const { windowMs, bucketMs } = statsWindow(query);
  const { from, count } = bucketRange(now, windowMs, bucketMs);
  const buckets = emptyBuckets(from, count, bucketMs);
  const totals = { begin: 0, takeover: 0, replay: 0, conflict: 0, inFlight: 0 };
  /** Adds `n` events of a type to bucket `index` (clamped to the window) and to the totals. */
  const add = (type: string, index: number, n = 1): void => {
    const b = buckets[Math.min(Math.max(index, 0), buckets.length - 1)]!;
    if (type === 'takeover') totals.takeover += n;
    else if (type === 'in_flight') {
      b.inFlight += n;
      totals.inFlight += n;
    } else if (type === 'begin' || type === 'replay' || type === 'conflict') {
      b[type] += n;
      totals[type] += n;
    }
  };
  return {
    from,
    bucketMs,
    add,
    /** Counts one event, if it falls in `[from, now]` and counts in statistics. */
    event(e: IdemEvent): void {
      if (e.at >= from && e.at <= now && countsInStats(e)) add(e.type, Math.floor((e.at - from) / bucketMs));
    },
    result(keys: KeyCounts): KeyStats {
      return { now, from, bucketMs, buckets, totals, ...rates(totals), ...keys };
    },
  };
}

/** Rates and totals from bucket counts plus takeovers. */
export function rates(totals: KeyStats['totals']): Pick<KeyStats, 'replayRate' | 'conflictRate'> {
  const requests = totals.begin + totals.takeover + totals.replay + totals.conflict + totals.inFlight;
  return {
    replayRate: requests === 0 ? 0 : totals.replay / requests,
    conflictRate: requests === 0 ? 0 : totals.conflict / requests,
  };
}

/**
 * The smallest string greater than every string that starts with `prefix`, in code-point (UTF-8 byte) order,
 * or null when there is none. `key >= prefix AND key < upper` is then exactly "starts with prefix", and a
 * B-tree index on the key answers it as one range.
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0) {
    let last = points.pop()! + 1;
    if (last >= 0xd800 && last <= 0xdfff) last = 0xe000; // skip the surrogate range: not characters
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return null;
}

/** A key's identity as one readable line, for the audit log's target. */
export const describeRef = (ref: KeyRef): string =>
  `${ref.scope} · ${ref.procedure} · ${ref.kind === 'key' ? '' : `${ref.kind} `}${ref.key}`;

/** A count as reported: exact up to COUNT_LIMIT, "at least" beyond. */
export const countedTotal = (n: number): Total =>
  n > COUNT_LIMIT ? { value: COUNT_LIMIT, relation: 'at_least' } : { value: n, relation: 'exact' };

/** Whether a logged request matches a free-text search (see TextMatch). */
export function requestMatchesText(r: LoggedRequest, text: string, match: TextMatch = 'exact'): boolean {
  if (r.requestId === text || r.key === text || r.terms.includes(naturalTerm(text))) return true;
  return match === 'contains' && (r.key.includes(text) || (r.naturalId?.includes(text) ?? false));
}

/** Whether a logged request passes a search's filters (and its cursor). */
export function matchesRequestSearch(r: LoggedRequest, q: RequestSearch): boolean {
  if (q.text !== undefined && q.text !== '' && !requestMatchesText(r, q.text, q.textMatch)) return false;
  if (q.scopes !== undefined && !q.scopes.includes(r.scope)) return false;
  if (q.procedures !== undefined && !q.procedures.includes(r.procedure)) return false;
  if (q.route !== undefined && r.route !== q.route) return false;
  if (q.kind !== undefined && r.kind !== q.kind) return false;
  if (q.decisions !== undefined && !q.decisions.includes(r.decision)) return false;
  if (q.statusFrom !== undefined && (r.status === null || r.status < q.statusFrom)) return false;
  if (q.statusTo !== undefined && (r.status === null || r.status > q.statusTo)) return false;
  if (q.fields !== undefined && !q.fields.every((f) => r.terms.includes(fieldTerm(f.name, f.value))))
    return false;
  if (q.id !== undefined && r.id !== q.id) return false;
  if (q.keyId !== undefined && r.keyId !== q.keyId) return false;
  if (q.requestIds !== undefined && (r.requestId === null || !q.requestIds.includes(r.requestId)))
    return false;
  if (q.from !== undefined && r.at < q.from) return false;
  if (q.to !== undefined && r.at >= q.to) return false;
  if (q.cursor !== undefined) {
    if (q.order === 'oldest' ? r.id <= q.cursor : r.id >= q.cursor) return false;
  }
  return true;
}

/**
 * The key ids a key search reaches through the request log: keys a request of which has the searched request id
 * or natural value (`text`), or carried every searched field (`fields`). Undefined where the search asks neither.
 */
export function keyIdsFromRequests(
  requests: Iterable<LoggedRequest>,
  q: Pick<KeySearch, 'text' | 'fields'>,
): { text: Set<string> | undefined; fields: Set<string> | undefined } {
  const text = q.text !== undefined && q.text !== '' ? new Set<string>() : undefined;
  const fields = q.fields !== undefined ? new Set<string>() : undefined;
  const natural = text === undefined ? '' : naturalTerm(q.text!);
  const wanted = q.fields?.map((f) => fieldTerm(f.name, f.value)) ?? [];
  for (const r of requests) {
    if (r.keyId === null) continue;
    if (text !== undefined && (r.requestId === q.text || r.terms.includes(natural))) text.add(r.keyId);
    if (fields !== undefined && wanted.every((t) => r.terms.includes(t))) fields.add(r.keyId);
  }
  return { text, fields };
}

/**
 * Whether a record passes the key search's filters that the request log answers (see keyIdsFromRequests) and its
 * free text, besides matchesSearch's.
 */
export function matchesKeySearchExtras(
  record: KeyRecord,
  q: KeySearch,
  viaRequests: { text: Set<string> | undefined; fields: Set<string> | undefined },
): boolean {
  if (q.text !== undefined && q.text !== '') {
    const t = q.text;
    const exact = record.key === t || record.naturalId === t || (viaRequests.text?.has(record.id) ?? false);
    const contains =
      q.textMatch === 'contains' && (record.key.includes(t) || (record.naturalId?.includes(t) ?? false));
    if (!exact && !contains) return false;
  }
  if (viaRequests.fields !== undefined && !viaRequests.fields.has(record.id)) return false;
  if (q.scopes !== undefined && !q.scopes.includes(record.scope)) return false;
  if (q.procedures !== undefined && !q.procedures.includes(record.procedure)) return false;
  const status = record.outcome?.status;
  if (q.statusFrom !== undefined && (status === undefined || status < q.statusFrom)) return false;
  if (q.statusTo !== undefined && (status === undefined || status > q.statusTo)) return false;
  return true;
}

const zeroDecisions = (): Record<RequestDecision, number> =>
  Object.fromEntries(REQUEST_DECISIONS.map((d) => [d, 0])) as Record<RequestDecision, number>;

/**
 * The buckets of a request-statistics window ending at `now` (aligned like statsCounter's), for a store to fill
 * request by request or with counts its database grouped.
 */
export function requestStatsCounter(now: number, query?: StatsQuery) {
  const { windowMs, bucketMs } = statsWindow(query);
  const { from, count } = bucketRange(now, windowMs, bucketMs);
  const buckets = Array.from({ length: count }, (_, i) => ({
    start: from + i * bucketMs,
    ...zeroDecisions(),
  }));
  const totals = zeroDecisions();
  const add = (decision: string, index: number, n = 1): void => {
    if (!(REQUEST_DECISIONS as readonly string[]).includes(decision)) return;
    const d = decision as RequestDecision;
    buckets[Math.min(Math.max(index, 0), buckets.length - 1)]![d] += n;
    totals[d] += n;
  };
  return {
    from,
    bucketMs,
    add,
    /** Counts one request, if it falls in `[from, now]`. */
    request(r: Pick<LoggedRequest, 'at' | 'decision'>): void {
      if (r.at >= from && r.at <= now) add(r.decision, Math.floor((r.at - from) / bucketMs));
    },
    result(): RequestStats {
      const requests = REQUEST_DECISIONS.reduce((n, d) => n + totals[d], 0);
      return { now, from, bucketMs, buckets, totals: { ...totals, requests } };
    },
  };
}

/** The window of a duplicates query: from `now - windowMs` (default 24 h, at most 31 days) to now. */
export function duplicateWindow(now: number, query: Pick<DuplicateQuery, 'windowMs'>): number {
  const windowMs = Math.min(Math.max(Math.floor(query.windowMs ?? 24 * HOUR_MS), 60_000), MAX_WINDOW_MS);
  return now - windowMs;
}

/** Members kept per duplicate group. */
export const GROUP_MEMBERS = 20;

/** Requests that can be possible duplicates of a kind (see DuplicateKind), and the identity they share. */
export function duplicateIdentity(r: LoggedRequest, kind: DuplicateKind): string | null {
  if (kind === 'payload') {
    return (r.decision === 'first_call' || r.decision === 'unprotected') &&
      r.kind === 'key' &&
      r.fingerprint !== null
      ? `${r.scope}\u0000${r.procedure}\u0000${r.fingerprint}`
      : null;
  }
  if (r.decision === 'duplicate') return `${r.scope}\u0000${r.procedure}\u0000dup\u0000${r.naturalId ?? ''}`;
  return r.kind === 'natural' ? `${r.scope}\u0000${r.procedure}\u0000key\u0000${r.key}` : null;
}

/**
 * Groups requests (of the window) into possible duplicates, newest group first: the reference the memory and Redis
 * stores compute directly and the SQL store's queries must agree with.
 */
export function duplicateGroups(requests: Iterable<LoggedRequest>, kind: DuplicateKind): DuplicateGroup[] {
  const byIdentity = new Map<string, LoggedRequest[]>();
  for (const r of requests) {
    const identity = duplicateIdentity(r, kind);
    if (identity === null) continue;
    const list = byIdentity.get(identity);
    if (list === undefined) byIdentity.set(identity, [r]);
    else list.push(r);
  }
  const groups: DuplicateGroup[] = [];
  for (const list of byIdentity.values()) {
    list.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const keys = new Set(list.map((r) => (r.key === '' ? `#${r.id}` : r.key))).size;
    const newest = list[0]!;
    // A natural duplicate refused (N5) is one on its own; a natural key, once seen again.
    if (kind === 'payload' ? keys < 2 : newest.decision !== 'duplicate' && list.length < 2) continue;
    groups.push({
      id: newest.id,
      kind,
      scope: newest.scope,
      procedure: newest.procedure,
      fingerprint: kind === 'payload' ? newest.fingerprint : null,
      key: kind === 'natural' && newest.decision !== 'duplicate' ? newest.key : null,
      naturalId: kind === 'natural' ? newest.naturalId : null,
      requests: list.length,
      keys,
      firstSeen: Math.min(...list.map((r) => r.at)),
      lastSeen: Math.max(...list.map((r) => r.at)),
      members: list.slice(0, GROUP_MEMBERS),
    });
  }
  return groups.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
