// The SQL store's admin queries (D1–D8) on SQLite and PostgreSQL. Each list is paged by id (UUIDv7, so
// creation order) with a cursor, and each filter has an index that leads with the filtered column and ends
// with id (migration 20261127030000_admin): a page is one index range scan however many rows the table holds.
// "Expired" and "in flight now" are judged by the database's clock inside the statement, never the caller's.
import {
  type AuditEntry,
  type AuditInput,
  COUNT_LIMIT,
  type DuplicateGroup,
  duplicateWindow,
  type FieldMatch,
  GROUP_MEMBERS,
  HOUR_MS,
  type IdempotencyAdmin,
  type IncidentQuery,
  JOB_STALE_MS,
  type JsonValue,
  type KeySearch,
  type KeyState,
  pageSize,
  prefixUpperBound,
  type RequestSearch,
  requestStatsCounter,
  type StaffJob,
  statsCounter,
  type TextMatch,
  type Total,
} from '../../admin.ts';
import { idFloor, idTime, newId } from '../../ids.ts';
import type { KeyRecord } from '../../record.ts';
import { fieldTerm, naturalTerm, REQUEST_DECISIONS } from '../../requests.ts';
import type { KeyRef } from '../../store.ts';
import { compile, type Dialect, type Tables } from './dialect.ts';
import type { SqlDriver, SqlRunner } from './driver.ts';
import {
  type EventRow,
  eventColumns,
  keyColumns,
  num,
  type RequestRow,
  requestColumns,
  type Row,
  toEvent,
  toRecord,
  toRequest,
} from './rows.ts';

interface AuditRow {
  id: string;
  at: number | bigint;
  actor: string;
  role: string;
  action: string;
  target: string | null;
  before: string | null;
  after: string | null;
}

interface JobRow {
  id: string;
  type: string;
  actor: string;
  state: string;
  started_at: number | bigint;
  updated_at: number | bigint;
  finished_at: number | bigint | null;
  progress: string;
  error: string | null;
}

function toJob(row: JobRow): StaffJob {
  return {
    id: row.id,
    type: row.type,
    actor: row.actor,
    state: row.state as StaffJob['state'],
    startedAt: num(row.started_at),
    updatedAt: num(row.updated_at),
    finishedAt: row.finished_at === null ? null : num(row.finished_at),
    progress: JSON.parse(row.progress) as JsonValue,
    error: row.error,
  };
}

/** Builds WHERE clauses with `$n` placeholders, numbering arguments as they are added. */
class Conditions {
  readonly where: string[] = [];
  readonly args: unknown[] = [];
  /** Adds a value and returns its placeholder. */
  param(value: unknown): string {
    this.args.push(value);
    return `$${this.args.length}`;
  }
  add(sql: string): void {
    this.where.push(sql);
  }
  text(): string {
    return this.where.length === 0 ? '' : `WHERE ${this.where.join(' AND ')}`;
  }
}

/** A logged request's time, read from its id (the first 48 bits of a UUIDv7), on PostgreSQL. */
const ID_MS = `(('x' || substr(id, 1, 8) || substr(id, 10, 4))::bit(48)::int8)::float8`;

/** `column IN (…)` for a list of values; an empty list matches nothing. */
function inList(c: Conditions, column: string, values: readonly string[]): string {
  return values.length === 0 ? '1 = 0' : `${column} IN (${values.map((v) => c.param(v)).join(', ')})`;
}

/** Whether a request's terms hold `term`: the GIN-indexed array on PostgreSQL, a substring test on SQLite. */
function hasTerm(d: Dialect, c: Conditions, term: string): string {
  return d.name === 'postgresql'
    ? `terms @> ARRAY[${c.param(term)}::text]`
    : `instr(terms, ${c.param(`\n${term}\n`)}) > 0`;
}

/**
 * Whether `column` contains `text`, case-sensitively: LIKE with its wildcards escaped on PostgreSQL (a byte-wise
 * match under the C collation, several times faster than strpos), instr on SQLite (whose LIKE ignores case).
 */
function contains(d: Dialect, c: Conditions, column: string, text: string): string {
  return d.name === 'postgresql'
    ? `${column} LIKE ${c.param(`%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`)} ESCAPE '\\'`
    : `instr(${column}, ${c.param(text)}) > 0`;
}

/** The request-log conditions of a search: its free text, callers, procedures, decisions, statuses, fields, time. */
function requestConditions(
  d: Dialect,
  c: Conditions,
  table: string,
  q: RequestSearch,
  fieldMatches: readonly string[] | undefined,
): void {
  if (q.text !== undefined && q.text !== '') textConditionOfRequests(d, c, table, q.text, q.textMatch);
  if (q.scopes !== undefined) c.add(inList(c, 'scope', q.scopes));
  if (q.procedures !== undefined) c.add(inList(c, '"procedure"', q.procedures));
  if (q.route !== undefined) c.add(`route = ${c.param(q.route)}`);
  if (q.kind !== undefined) c.add(`kind = ${c.param(q.kind)}`);
  if (q.decisions !== undefined) c.add(inList(c, 'decision', q.decisions));
  if (q.statusFrom !== undefined) c.add(`status >= ${d.typed(c.param(q.statusFrom), 'int')}`);
  if (q.statusTo !== undefined) c.add(`status <= ${d.typed(c.param(q.statusTo), 'int')}`);
  if (fieldMatches !== undefined) c.add(`id = ANY(${c.param(fieldMatches)}::text[])`);
  else for (const f of q.fields ?? []) c.add(hasTerm(d, c, fieldTerm(f.name, f.value)));
  if (q.id !== undefined) c.add(`id = ${c.param(q.id)}`);
  if (q.keyId !== undefined) c.add(narrowed(d, table, [`key_id = ${c.param(q.keyId)}`]));
  if (q.requestIds !== undefined) c.add(narrowed(d, table, [inList(c, 'request_id', q.requestIds)]));
  // A logged request's id carries its time (idAt): a window of time is a range of the primary key.
  if (q.from !== undefined) c.add(`id >= ${c.param(idFloor(q.from))}`);
  if (q.to !== undefined) c.add(`id < ${c.param(idFloor(q.to))}`);
}

/**
 * Exact: the request id, the key or a natural value, each an index lookup. Contains: keys that contain the text (a
 * natural key holds its values, `external_id=ap-1`); a scan, of the key index rather than the table where it can.
 */
function textConditionOfRequests(
  d: Dialect,
  c: Conditions,
  table: string,
  text: string,
  match: TextMatch = 'exact',
): void {
  if (match === 'contains') {
    c.add(containsKey(d, c, table, text));
    return;
  }
  const either = [
    `request_id = ${c.param(text)}`,
    `"key" = ${c.param(text)}`,
    hasTerm(d, c, naturalTerm(text)),
  ];
  if (d.name !== 'postgresql') {
    c.add(`(${either.join(' OR ')})`);
    return;
  }
  // Each an index lookup of its own, gathered first (see narrowed()).
  const ids = either.map((where) => `SELECT id FROM ${table} WHERE ${where}`).join(' UNION ');
  c.add(`id = ANY(ARRAY(SELECT id FROM (${ids}) AS found LIMIT ${GATHERED}))`);
}

/**
 * How many ids a gathering subquery (below) reads at most: one more than is counted exactly, so a count over it
 * still tells "more than COUNT_LIMIT" (the total then says "at least"; a page is drawn from those found).
 */
const GATHERED = COUNT_LIMIT + 1;

/**
 * Rows that pass selective, indexed conditions (a request id, a payload field, a key). On PostgreSQL their ids are
 * gathered first and matched as an array the primary key answers: asked for the newest page, the planner would
 * otherwise walk the primary key backwards hoping to meet matches soon, a scan of the whole log when they are few.
 */
function narrowed(d: Dialect, table: string, where: readonly string[]): string {
  return d.name === 'postgresql'
    ? `id = ANY(ARRAY(SELECT id FROM ${table} WHERE ${where.join(' AND ')} LIMIT ${GATHERED}))`
    : where.join(' AND ');
}

/**
 * Rows whose key contains `text`. On PostgreSQL the matching ids are gathered first (one pass over the narrow key
 * index, not the wide table), then fetched by primary key.
 */
function containsKey(d: Dialect, c: Conditions, table: string, text: string): string {
  return d.name === 'postgresql'
    ? `id = ANY(ARRAY(SELECT id FROM ${table} WHERE ${contains(d, c, '"key"', text)} LIMIT ${GATHERED}))`
    : contains(d, c, '"key"', text);
}

/**
 * `id` among the keys that logged requests matching `where` name. On PostgreSQL the ids are gathered first (an
 * index lookup) and matched as an array, which the primary key answers directly, even inside an OR.
 */
function keysFromRequests(d: Dialect, requests: string, where: string): string {
  const ids = `SELECT key_id FROM ${requests} WHERE key_id IS NOT NULL AND ${where} LIMIT ${GATHERED}`;
  return d.name === 'postgresql' ? `id = ANY(ARRAY(${ids}))` : `id IN (${ids})`;
}

/** Key ids a logged request of which carries every one of `fields`. */
function keysWithFields(d: Dialect, c: Conditions, requests: string, fields: readonly FieldMatch[]): string {
  const terms = fields.map((f) => hasTerm(d, c, fieldTerm(f.name, f.value)));
  return keysFromRequests(d, requests, terms.join(' AND '));
}

/** LIKE pattern for "starts with", with LIKE's own wildcards escaped. */
const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function stateCondition(d: Dialect, state: KeyState): string {
  const live = `(expires_at IS NULL OR expires_at > ${d.now})`;
  const failed = '(NOT outcome_ok OR outcome_status >= 400)';
  switch (state) {
    case 'expired':
      return `expires_at <= ${d.now}`;
    case 'in_flight':
      return `status = 'in_flight' AND ${live}`;
    case 'failed':
      return `status = 'completed' AND ${live} AND ${failed}`;
    case 'completed':
      return `status = 'completed' AND ${live} AND NOT ${failed}`;
    default: {
      const exhaustive: never = state;
      throw new Error(`unknown key state ${String(exhaustive)}`);
    }
  }
}

function toAudit(row: AuditRow): AuditEntry {
  const parse = (text: string | null) => (text === null ? null : (JSON.parse(text) as AuditEntry['before']));
  return {
    id: row.id,
    at: num(row.at),
    actor: row.actor,
    role: row.role,
    action: row.action,
    target: row.target,
    before: parse(row.before),
    after: parse(row.after),
  };
}

/** The admin side of a SQL store: its reads, and writes run the way the store runs its own (atomically). */
export function createSqlAdmin(driver: SqlDriver<unknown>, t: Tables): IdempotencyAdmin {
  const d: Dialect = driver.dialect;
  const cols = keyColumns(d);
  const events = eventColumns(d);
  const limitOf = (c: Conditions, n: number) => d.typed(c.param(n), 'int');

  const run = <T>(sql: string, args: readonly unknown[], on: SqlRunner = driver): Promise<T[]> =>
    on.query<T>(compile(d, sql), args);

  const dbNow = async (): Promise<number> => {
    const [row] = await run<{ db_now: number | bigint }>(`SELECT ${d.nowMs} AS db_now`, []);
    return num(row!.db_now);
  };

  /**
   * How many rows match: counted up to COUNT_LIMIT (a bounded scan); beyond, PostgreSQL's planner estimate, or on
   * SQLite "at least".
   */
  /**
   * On PostgreSQL, the requests holding a search's payload fields, when they are few. The GIN index finds a rare
   * value's rows at once, but asked for the newest page the planner walks the primary key backwards hoping to meet
   * matches soon: a scan of the whole log for a value seen once. So the matches are read first, unordered and
   * bounded; when there are more than COUNT_LIMIT the value is common, that walk meets matches soon, and the plain
   * condition serves.
   */
  const fewWithFields = async (q: RequestSearch): Promise<string[] | undefined> => {
    if (d.name !== 'postgresql' || q.fields === undefined || q.fields.length === 0) return undefined;
    const f = new Conditions();
    for (const field of q.fields) f.add(hasTerm(d, f, fieldTerm(field.name, field.value)));
    const rows = await run<{ id: string }>(
      `SELECT id FROM ${t.requests} ${f.text()} LIMIT ${COUNT_LIMIT + 1}`,
      f.args,
    );
    return rows.length > COUNT_LIMIT ? undefined : rows.map((r) => r.id);
  };

  const countOf = async (table: string, c: Conditions): Promise<Total> => {
    const args = [...c.args, COUNT_LIMIT + 1];
    const [row] = await run<{ n: number | bigint }>(
      `SELECT CAST(COUNT(*) AS INTEGER) AS n FROM (SELECT 1 FROM ${table} ${c.text()} LIMIT ${d.typed(`$${args.length}`, 'int')}) AS counted`,
      args,
    );
    const n = num(row!.n);
    if (n <= COUNT_LIMIT) return { value: n, relation: 'exact' };
    if (d.name !== 'postgresql') return { value: COUNT_LIMIT, relation: 'at_least' };
    try {
      const [plan] = await run<Record<string, unknown>>(
        `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${table} ${c.text()}`,
        c.args,
      );
      const text = plan === undefined ? undefined : Object.values(plan)[0];
      const parsed = (typeof text === 'string' ? JSON.parse(text) : text) as [
        { Plan: { 'Plan Rows': number } },
      ];
      const estimate = Math.round(parsed[0].Plan['Plan Rows']);
      // An estimate below what was just counted is the planner's guess for gathered ids (see GATHERED): not one.
      return estimate > COUNT_LIMIT
        ? { value: estimate, relation: 'estimate' }
        : { value: COUNT_LIMIT, relation: 'at_least' };
    } catch {
      return { value: COUNT_LIMIT, relation: 'at_least' };
    }
  };

  const pageOf = <T extends { id: string }>(rows: T[], limit: number) => {
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  };

  async function keyById(id: string): Promise<KeyRecord | undefined> {
    const [row] = await run<Row>(`SELECT ${cols} FROM ${t.keys} WHERE id = $1`, [id]);
    return row === undefined ? undefined : toRecord(row);
  }

  async function keyByRef(ref: KeyRef): Promise<KeyRecord | undefined> {
    const [row] = await run<Row>(
      `SELECT ${cols} FROM ${t.keys} WHERE scope = $1 AND "procedure" = $2 AND kind = $3 AND "key" = $4`,
      [ref.scope, ref.procedure, ref.kind, ref.key],
    );
    return row === undefined ? undefined : toRecord(row);
  }

  return {
    async searchKeys(q: KeySearch) {
      const c = new Conditions();
      if (q.key !== undefined) c.add(`"key" = ${c.param(q.key)}`);
      if (q.keyPrefix !== undefined && q.keyPrefix !== '') {
        if (d.name === 'postgresql') {
          // Served by the text_pattern_ops index as a range, whatever the column's collation.
          c.add(`"key" LIKE ${c.param(likePrefix(q.keyPrefix))} ESCAPE '\\'`);
        } else {
          // SQLite's LIKE ignores case; a range in its binary collation is exact and uses the index.
          c.add(`"key" >= ${c.param(q.keyPrefix)}`);
          const upper = prefixUpperBound(q.keyPrefix);
          if (upper !== null) c.add(`"key" < ${c.param(upper)}`);
        }
      }
      if (q.scope !== undefined) c.add(`scope = ${c.param(q.scope)}`);
      if (q.procedure !== undefined) c.add(`"procedure" = ${c.param(q.procedure)}`);
      if (q.kind !== undefined) c.add(`kind = ${c.param(q.kind)}`);
      if (q.naturalId !== undefined) c.add(`natural_id = ${c.param(q.naturalId)}`);
      if (q.createdFrom !== undefined) c.add(`created_at >= ${d.fromMs(c.param(q.createdFrom))}`);
      if (q.createdTo !== undefined) c.add(`created_at < ${d.fromMs(c.param(q.createdTo))}`);
      if (q.state !== undefined) c.add(stateCondition(d, q.state));
      if (q.text !== undefined && q.text !== '') {
        const text = q.text;
        // Through the request log: keys a request of which had this request id or natural value.
        if (q.textMatch === 'contains') c.add(containsKey(d, c, t.keys, text));
        else
          c.add(
            `("key" = ${c.param(text)} OR natural_id = ${c.param(text)} OR ${keysFromRequests(
              d,
              t.requests,
              `(request_id = ${c.param(text)} OR ${hasTerm(d, c, naturalTerm(text))})`,
            )})`,
          );
      }
      if (q.scopes !== undefined) c.add(inList(c, 'scope', q.scopes));
      if (q.procedures !== undefined) c.add(inList(c, '"procedure"', q.procedures));
      if (q.statusFrom !== undefined) c.add(`outcome_status >= ${d.typed(c.param(q.statusFrom), 'int')}`);
      if (q.statusTo !== undefined) c.add(`outcome_status <= ${d.typed(c.param(q.statusTo), 'int')}`);
      if (q.fields !== undefined) c.add(keysWithFields(d, c, t.requests, q.fields));
      const total = q.count ? await countOf(t.keys, c) : null;
      const oldest = q.order === 'oldest';
      if (q.cursor !== undefined) c.add(`id ${oldest ? '>' : '<'} ${c.param(q.cursor)}`);
      const limit = pageSize(q.limit);
      const rows = await run<Row>(
        `SELECT ${cols} FROM ${t.keys} ${c.text()} ORDER BY id ${oldest ? 'ASC' : 'DESC'} LIMIT ${limitOf(c, limit + 1)}`,
        c.args,
      );
      const now = rows.length > 0 ? num(rows[0]!.db_now) : await dbNow();
      return { ...pageOf(rows.map(toRecord), limit), now, total };
    },

    async searchRequests(q) {
      const fieldMatches = await fewWithFields(q);
      let total: Total | null = null;
      if (q.count) {
        const counted = new Conditions();
        requestConditions(d, counted, t.requests, q, fieldMatches);
        total = await countOf(t.requests, counted);
      }
      const c = new Conditions();
      requestConditions(d, c, t.requests, q, fieldMatches);
      const oldest = q.order === 'oldest';
      if (q.cursor !== undefined) c.add(`id ${oldest ? '>' : '<'} ${c.param(q.cursor)}`);
      const limit = pageSize(q.limit);
      const rows = await run<RequestRow>(
        `SELECT ${requestColumns(d)} FROM ${t.requests} ${c.text()}
         ORDER BY id ${oldest ? 'ASC' : 'DESC'} LIMIT ${limitOf(c, limit + 1)}`,
        c.args,
      );
      return { ...pageOf(rows.map(toRequest), limit), now: await dbNow(), total };
    },

    async requestStats(query) {
      const now = Math.floor(await dbNow());
      const counter = requestStatsCounter(now, query);
      // The time is read from the id (it carries it), so the covering decision index answers without the table.
      const bucket =
        d.name === 'postgresql'
          ? `floor((${ID_MS} - $1::float8) / $2::float8)::int4`
          : `CAST((at - $1) / $2 AS INTEGER)`;
      const decisions = REQUEST_DECISIONS.map((x) => `'${x}'`).join(', ');
      const rows = await run<{ decision: string; bucket: number | bigint; n: number | bigint }>(
        `SELECT decision, ${bucket} AS bucket, CAST(COUNT(*) AS INTEGER) AS n FROM ${t.requests}
         WHERE decision IN (${decisions}) AND id >= $3 AND id < $4
         GROUP BY 1, 2`,
        [counter.from, counter.bucketMs, idFloor(counter.from), idFloor(now + 1)],
      );
      for (const row of rows) counter.add(row.decision, num(row.bucket), num(row.n));
      return counter.result();
    },

    async duplicates(q) {
      const now = Math.floor(await dbNow());
      const from = duplicateWindow(now, q);
      const limit = pageSize(q.limit);
      // Grouped twice, so both steps hash: requests by (group, key), then groups counting their keys.
      const grouped = (c: Conditions) => {
        const window = `id >= ${c.param(idFloor(from))} AND id < ${c.param(idFloor(now + 1))}`;
        const perKey =
          q.kind === 'payload'
            ? `SELECT scope, "procedure", fingerprint AS ident, 'fp' AS sort,
                 CASE WHEN "key" = '' THEN id ELSE "key" END AS k, COUNT(*) AS n, MIN(id) AS first_id, MAX(id) AS last_id
               FROM ${t.requests}
               WHERE decision IN ('first_call', 'unprotected') AND ${window} AND kind = 'key' AND fingerprint IS NOT NULL
               GROUP BY 1, 2, 3, 4, 5`
            : `SELECT scope, "procedure",
                 CASE WHEN decision = 'duplicate' THEN COALESCE(natural_id, '') ELSE "key" END AS ident,
                 CASE WHEN decision = 'duplicate' THEN 'dup' ELSE 'key' END AS sort,
                 "key" AS k, COUNT(*) AS n, MIN(id) AS first_id, MAX(id) AS last_id
               FROM ${t.requests}
               WHERE decision IN (${REQUEST_DECISIONS.map((x) => `'${x}'`).join(', ')}) AND ${window}
                 AND (kind = 'natural' OR decision = 'duplicate')
               GROUP BY 1, 2, 3, 4, 5`;
        const keep = q.kind === 'payload' ? 'COUNT(*) >= 2' : `SUM(n) >= 2 OR sort = 'dup'`;
        return `SELECT scope, "procedure", ident, sort, CAST(SUM(n) AS INTEGER) AS n, CAST(COUNT(*) AS INTEGER) AS keys,
            MIN(first_id) AS first_id, MAX(last_id) AS last_id
          FROM (${perKey}) AS per_key GROUP BY scope, "procedure", ident, sort HAVING ${keep}`;
      };
      type GroupRow = {
        scope: string;
        procedure: string;
        ident: string;
        sort: string;
        n: number | bigint;
        keys: number | bigint;
        first_id: string;
        last_id: string;
      };
      const c = new Conditions();
      const inner = grouped(c);
      const cursor = q.cursor === undefined ? '' : `WHERE last_id < ${c.param(q.cursor)}`;
      const groups = await run<GroupRow>(
        `SELECT * FROM (${inner}) AS g ${cursor} ORDER BY last_id DESC LIMIT ${limitOf(c, limit + 1)}`,
        c.args,
      );
      let total: number | null = null;
      if (q.count) {
        const cc = new Conditions();
        const [row] = await run<{ n: number | bigint }>(
          `SELECT CAST(COUNT(*) AS INTEGER) AS n FROM (${grouped(cc)}) AS g`,
          cc.args,
        );
        total = num(row!.n);
      }
      const page = groups.slice(0, limit);
      // Every group's newest members in one statement: each group is a condition, numbered within its group.
      const m = new Conditions();
      const which = page.map((g) => {
        const same = [`scope = ${m.param(g.scope)}`, `"procedure" = ${m.param(g.procedure)}`];
        if (q.kind === 'payload')
          same.push(
            `fingerprint = ${m.param(g.ident)}`,
            `decision IN ('first_call', 'unprotected')`,
            `kind = 'key'`,
          );
        else if (g.sort === 'dup')
          same.push(`decision = 'duplicate'`, `COALESCE(natural_id, '') = ${m.param(g.ident)}`);
        else same.push(`kind = 'natural'`, `decision <> 'duplicate'`, `"key" = ${m.param(g.ident)}`);
        return `(${same.join(' AND ')})`;
      });
      const members =
        page.length === 0
          ? []
          : await run<RequestRow>(
              `SELECT * FROM (
                 SELECT ${requestColumns(d)},
                   ROW_NUMBER() OVER (PARTITION BY scope, "procedure", CASE
                     WHEN decision = 'duplicate' THEN 'd' || COALESCE(natural_id, '')
                     WHEN kind = 'natural' THEN 'k' || "key" ELSE 'f' || COALESCE(fingerprint, '') END
                     ORDER BY id DESC) AS n
                 FROM ${t.requests}
                 WHERE id >= ${m.param(idFloor(from))} AND id < ${m.param(idFloor(now + 1))} AND (${which.join(' OR ')})) AS m
               WHERE n <= ${limitOf(m, GROUP_MEMBERS)} ORDER BY id DESC`,
              m.args,
            );
      const items = page.map((g): DuplicateGroup => {
        const mine = members
          .map(toRequest)
          .filter(
            (r) =>
              r.scope === g.scope &&
              r.procedure === g.procedure &&
              (q.kind === 'payload'
                ? r.fingerprint === g.ident &&
                  (r.decision === 'first_call' || r.decision === 'unprotected') &&
                  r.kind === 'key'
                : g.sort === 'dup'
                  ? r.decision === 'duplicate' && (r.naturalId ?? '') === g.ident
                  : r.kind === 'natural' && r.decision !== 'duplicate' && r.key === g.ident),
          );
        return {
          id: g.last_id,
          kind: q.kind,
          scope: g.scope,
          procedure: g.procedure,
          fingerprint: q.kind === 'payload' ? g.ident : null,
          key: q.kind === 'natural' && g.sort === 'key' ? g.ident : null,
          naturalId: q.kind === 'natural' ? (mine[0]?.naturalId ?? null) : null,
          requests: num(g.n),
          keys: num(g.keys),
          firstSeen: idTime(g.first_id),
          lastSeen: idTime(g.last_id),
          members: mine.slice(0, GROUP_MEMBERS),
        };
      });
      return {
        items,
        nextCursor: groups.length > limit ? page[page.length - 1]!.last_id : null,
        now,
        from,
        total,
      };
    },

    async procedures() {
      // A skip scan: one index probe per distinct procedure, however many rows each has.
      const distinct = (table: string) =>
        run<{ name: string | null }>(
          `WITH RECURSIVE p(name) AS (
             SELECT MIN("procedure") FROM ${table}
             UNION ALL
             SELECT (SELECT MIN("procedure") FROM ${table} WHERE "procedure" > p.name) FROM p WHERE p.name IS NOT NULL
           ) SELECT name FROM p WHERE name IS NOT NULL LIMIT 500`,
          [],
        );
      const names = new Set<string>();
      for (const rows of [await distinct(t.keys), await distinct(t.requests)])
        for (const row of rows) if (row.name !== null) names.add(row.name);
      return [...names].sort().slice(0, 500);
    },

    keyById,

    async keyStory(target, options = {}) {
      let record: KeyRecord | undefined;
      let ref: KeyRef | undefined;
      if ('id' in target) {
        record = await keyById(target.id);
        ref = record;
        if (ref === undefined) {
          // The record is gone (released, voided, abandoned, purged): its events still name it, and the key may
          // have been claimed again since, as a record of a later generation.
          [ref] = await run<KeyRef>(
            `SELECT scope, "procedure", kind, "key" FROM ${t.events} WHERE key_id = $1 LIMIT 1`,
            [target.id],
          );
          if (ref !== undefined) record = await keyByRef(ref);
        }
      } else {
        ref = target.ref;
        record = await keyByRef(ref);
      }
      if (ref === undefined) return undefined;
      const c = new Conditions();
      c.add(`scope = ${c.param(ref.scope)}`);
      c.add(`"procedure" = ${c.param(ref.procedure)}`);
      c.add(`kind = ${c.param(ref.kind)}`);
      c.add(`"key" = ${c.param(ref.key)}`);
      const rows = await run<EventRow>(
        `SELECT ${events} FROM ${t.events} ${c.text()} ORDER BY id DESC LIMIT ${limitOf(c, Math.min(options.eventLimit ?? 500, 5000))}`,
        c.args,
      );
      if (record === undefined && rows.length === 0) return undefined;
      return {
        ref: { scope: ref.scope, procedure: ref.procedure, kind: ref.kind, key: ref.key },
        record: record ?? null,
        events: rows.map(toEvent),
        now: await dbNow(),
      };
    },

    async incidents(q: IncidentQuery) {
      const limit = pageSize(q.limit);
      const c = new Conditions();
      const cursor = q.cursor === undefined ? '' : ` AND id < ${c.param(q.cursor)}`;
      const max = limitOf(c, limit + 1);
      // One index-ordered scan per kind of incident, merged: each leg reads at most a page of rows.
      const leg = (where: string) =>
        `SELECT * FROM (SELECT ${events} FROM ${t.events} WHERE ${where}${cursor} ORDER BY id DESC LIMIT ${max}) AS leg`;
      const legs =
        q.kind === 'conflicts'
          ? [leg(`type = 'conflict'`)]
          : [
              leg(`type = 'natural_duplicate'`),
              leg(`type = 'replay' AND kind = 'natural'`),
              leg(`type = 'conflict' AND kind = 'natural'`),
            ];
      const rows = await run<EventRow>(
        `SELECT * FROM (${legs.join(' UNION ALL ')}) AS incidents ORDER BY id DESC LIMIT ${max}`,
        c.args,
      );
      return { ...pageOf(rows.map(toEvent), limit), now: await dbNow() };
    },

    async stats(query) {
      const live = `(expires_at IS NULL OR expires_at > ${d.now})`;
      const [counts] = await run<Record<string, number | bigint>>(
        `SELECT
          (SELECT CAST(COUNT(*) AS INTEGER) FROM ${t.keys} WHERE status = 'in_flight' AND ${live}) AS in_flight,
          (SELECT CAST(COUNT(*) AS INTEGER) FROM ${t.keys} WHERE status = 'in_flight' AND ${live}
             AND (lease_expires_at IS NULL OR lease_expires_at <= ${d.now})) AS stuck,
          (SELECT CAST(COUNT(*) AS INTEGER) FROM ${t.keys}
             WHERE expires_at > ${d.now} AND expires_at <= ${d.nowPlus('$1')}) AS expiring,
          (SELECT CAST(COUNT(*) AS INTEGER) FROM ${t.keys} WHERE expires_at <= ${d.now}) AS expired,
          ${d.nowMs} AS db_now`,
        [HOUR_MS],
      );
      const now = num(counts!.db_now!);
      const counter = statsCounter(Math.floor(now), query);
      const bucket =
        d.name === 'postgresql'
          ? `floor((${d.ms('at')} - $1::float8) / $2::float8)::int4`
          : `CAST((at - $1) / $2 AS INTEGER)`;
      const rows = await run<{ type: string; bucket: number | bigint; n: number | bigint }>(
        `SELECT type, ${bucket} AS bucket, CAST(COUNT(*) AS INTEGER) AS n FROM ${t.events}
         WHERE type IN ('begin', 'takeover', 'replay', 'conflict', 'in_flight') AND at >= ${d.fromMs('$1')}
           AND kind <> 'unique'
         GROUP BY 1, 2`,
        [counter.from, counter.bucketMs],
      );
      for (const row of rows) counter.add(row.type, num(row.bucket), num(row.n));
      return counter.result({
        inFlightNow: num(counts!.in_flight!),
        stuckNow: num(counts!.stuck!),
        expiringWithinHour: num(counts!.expiring!),
        expiredNow: num(counts!.expired!),
      });
    },

    async appendAudit(input: AuditInput) {
      const json = (value: AuditInput['before']) => (value === null ? null : JSON.stringify(value));
      const [row] = await driver.atomically((on) =>
        run<AuditRow>(
          `INSERT INTO ${t.audit} (id, at, actor, role, action, target, "before", "after")
           VALUES ($1, ${d.now}, $2, $3, $4, $5, $6, $7)
           RETURNING id, ${d.ms('at')} AS at, actor, role, action, target, "before", "after"`,
          [
            newId(),
            input.actor,
            input.role,
            input.action,
            input.target,
            json(input.before),
            json(input.after),
          ],
          on,
        ),
      );
      return toAudit(row!);
    },

    async startJob(input) {
      const jobCols = `id, type, actor, state, ${d.ms('started_at')} AS started_at, ${d.ms('updated_at')} AS updated_at,
        ${d.ms('finished_at')} AS finished_at, progress, error`;
      return driver.atomically(async (on) => {
        const [running] = await run<JobRow>(
          `SELECT ${jobCols} FROM ${t.jobs}
           WHERE type = $1 AND state = 'running' AND updated_at > ${d.nowPlus('$2')} ORDER BY id DESC LIMIT 1`,
          [input.type, -JOB_STALE_MS],
          on,
        );
        if (running !== undefined) return { job: toJob(running), started: false };
        // A job whose process died mid-way is recorded as failed, so its state stops saying "running".
        await run(
          `UPDATE ${t.jobs} SET state = 'failed', error = 'stopped reporting progress', finished_at = ${d.now}
           WHERE type = $1 AND state = 'running'`,
          [input.type],
          on,
        );
        const [row] = await run<JobRow>(
          `INSERT INTO ${t.jobs} (id, type, actor, state, started_at, updated_at, progress)
           VALUES ($1, $2, $3, 'running', ${d.now}, ${d.now}, $4) RETURNING ${jobCols}`,
          [newId(), input.type, input.actor, JSON.stringify(input.progress)],
          on,
        );
        return { job: toJob(row!), started: true };
      });
    },

    async updateJob(id, update) {
      const c = new Conditions();
      const sets = [`updated_at = ${d.now}`];
      if (update.progress !== undefined) sets.push(`progress = ${c.param(JSON.stringify(update.progress))}`);
      if (update.error !== undefined) sets.push(`error = ${c.param(update.error)}`);
      if (update.state !== undefined) sets.push(`state = ${c.param(update.state)}`, `finished_at = ${d.now}`);
      const [row] = await driver.atomically((on) =>
        run<JobRow>(
          `UPDATE ${t.jobs} SET ${sets.join(', ')} WHERE id = ${c.param(id)}
           RETURNING id, type, actor, state, ${d.ms('started_at')} AS started_at, ${d.ms('updated_at')} AS updated_at,
             ${d.ms('finished_at')} AS finished_at, progress, error`,
          c.args,
          on,
        ),
      );
      return row === undefined ? undefined : toJob(row);
    },

    async job(target) {
      const byId = 'id' in target;
      const [row] = await run<JobRow>(
        `SELECT id, type, actor, state, ${d.ms('started_at')} AS started_at, ${d.ms('updated_at')} AS updated_at,
           ${d.ms('finished_at')} AS finished_at, progress, error
         FROM ${t.jobs} WHERE ${byId ? 'id = $1' : 'type = $1'} ORDER BY id DESC LIMIT 1`,
        [byId ? target.id : target.latestOfType],
      );
      return row === undefined ? undefined : toJob(row);
    },

    async count(name, ttlMs) {
      const [row] = await driver.atomically(async (on) => {
        // Counters that ended go as new ones come, a few at a time, so the table stays as small as what is live.
        await run(
          `DELETE FROM ${t.adminState} WHERE name IN (
             SELECT name FROM ${t.adminState} WHERE expires_at <= ${d.now} LIMIT 20)`,
          [],
          on,
        );
        return run<{ count: number | bigint }>(
          `INSERT INTO ${t.adminState} AS s (name, count, expires_at) VALUES ($1, 1, ${d.nowPlus('$2')})
           ON CONFLICT (name) DO UPDATE SET
             count = CASE WHEN s.expires_at <= ${d.now} THEN 1 ELSE s.count + 1 END,
             expires_at = CASE WHEN s.expires_at <= ${d.now} THEN excluded.expires_at ELSE s.expires_at END
           RETURNING count`,
          [name, ttlMs],
          on,
        );
      });
      return num(row!.count);
    },

    async counted(name) {
      const [row] = await run<{ count: number | bigint }>(
        `SELECT count FROM ${t.adminState} WHERE name = $1 AND expires_at > ${d.now}`,
        [name],
      );
      return row === undefined ? 0 : num(row.count);
    },

    async forget(name) {
      await driver.atomically((on) => run(`DELETE FROM ${t.adminState} WHERE name = $1`, [name], on));
    },

    async listAudit(q = {}) {
      const limit = pageSize(q.limit);
      const c = new Conditions();
      if (q.cursor !== undefined) c.add(`id < ${c.param(q.cursor)}`);
      const rows = await run<AuditRow>(
        `SELECT id, ${d.ms('at')} AS at, actor, role, action, target, "before", "after" FROM ${t.audit} ${c.text()}
         ORDER BY id DESC LIMIT ${limitOf(c, limit + 1)}`,
        c.args,
      );
      return pageOf(rows.map(toAudit), limit);
    },
  };
}
