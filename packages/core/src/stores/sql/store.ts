// The SQL store: keys and events in PostgreSQL or SQLite, through a driver for the client the application already
// has (node-postgres, better-sqlite3, Prisma).
//
// Every statement is the cheapest correct one for its database:
// - PostgreSQL: claim-or-read is one round trip (INSERT … ON CONFLICT DO NOTHING RETURNING inside a CTE, with a
//   read of the existing row in the same statement); takeovers, completions and releases are single
//   compare-and-swap statements on the fencing token; purge deletes in batches with FOR UPDATE SKIP LOCKED.
// - SQLite: the connection is shared by every request of the process, so each store operation runs as its own
//   short immediate transaction (the driver serialises them); the first statement writes, so SQLite's write lock
//   is held from the start and the operation is atomic across processes too.
import type { AdminCapable } from '../../admin.ts';
import type { EventQuery } from '../../events.ts';
import { newId } from '../../ids.ts';
import { type BeginAnswer, type BeginInput, reduceKey } from '../../key-machine.ts';
import type { KeyRecord } from '../../record.ts';
import {
  type BeginResult,
  type FenceRef,
  type FenceResult,
  type KeyRef,
  refId,
  type SettleOptions,
  type TransactionalStore,
  unchanged,
} from '../../store.ts';
import { ChangeWaiters } from '../../waiters.ts';
import { createSqlAdmin } from './admin.ts';
import { compile, type Dialect, type Statement, type Tables } from './dialect.ts';
import type { SqlDriver, SqlRunner } from './driver.ts';
import {
  type EventRow,
  eventColumns,
  keyColumns,
  num,
  type Row,
  termsText,
  toEvent,
  toRecord,
} from './rows.ts';

export interface SqlStoreOptions<Tx> {
  driver: SqlDriver<Tx>;
  tables: Tables;
  /** PostgreSQL NOTIFY channel used to wake waiters in other processes (default 'idem_keys'). */
  channel?: string;
}

/** All statements, compiled once per store. */
function statements(d: Dialect, t: Tables) {
  const cols = keyColumns(d);
  // A fresh claim's row holds what the statement was just given: its payload (up to 16 KiB) is not sent back, and
  // the caller puts the one it has in the record.
  const claimedCols = cols.replace('request_payload', `${d.typed('NULL', 'text')} AS request_payload`);
  const identity = 'scope = $1 AND "procedure" = $2 AND kind = $3 AND "key" = $4';
  // $1 scope, $2 procedure, $3 kind, $4 key, $5 id, $6 policy, $7 fingerprint, $8 alg, $9 request id,
  // $10 payload, $11 natural id, $12 lease owner, $13 lease ms, $14 ttl ms (null: never expires)
  const insert = `INSERT INTO ${t.keys} (id, scope, "procedure", kind, "key", policy, status, fence, fingerprint,
      fingerprint_alg, request_id, request_payload, natural_id, lease_owner, lease_expires_at, expires_at,
      created_at, updated_at)
    VALUES ($5, $1, $2, $3, $4, $6, 'in_flight', 1, $7, $8, $9, $10, $11, $12, ${d.nowPlus('$13')},
      CASE WHEN ${d.typed('$14', 'float')} IS NULL THEN NULL ELSE ${d.nowPlus('$14')} END, ${d.now}, ${d.now})
    ON CONFLICT (scope, "procedure", kind, "key") DO NOTHING`;
  const unexpired = `(expires_at IS NULL OR expires_at > ${d.now})`;
  const c = (sql: string): Statement => compile(d, sql, { prepared: true });
  return {
    // PostgreSQL: claim or read the existing row in one round trip. If the conflicting row was committed after
    // this statement's snapshot, neither branch returns it and the caller simply runs the statement again.
    claimOrRead: c(`WITH ins AS (${insert} RETURNING ${claimedCols})
      SELECT true AS claimed, ins.* FROM ins
      UNION ALL
      SELECT false AS claimed, ${cols} FROM ${t.keys} WHERE ${identity} AND NOT EXISTS (SELECT 1 FROM ins)`),
    claim: c(`${insert} RETURNING ${claimedCols}`),
    read: c(`SELECT ${cols} FROM ${t.keys} WHERE ${identity}`),
    // Takeover: CAS on the fence, re-checking with the database's clock that the reducer's reason still holds.
    // The key may have expired between the read and this statement: then the reason is key_expired (the reducer
    // checks expiry first), so a lease_expired or payload_changed takeover misses and the begin decides again.
    // $1 id, $2 fence, $3 policy, $4 fingerprint, $5 alg, $6 request id, $7 payload, $8 natural id,
    // $9 lease owner, $10 lease ms, $11 ttl ms or null, $12 reason, $13 previous status
    takeover: c(`UPDATE ${t.keys} SET status = 'in_flight', fence = fence + 1, policy = $3, fingerprint = $4,
        fingerprint_alg = $5, request_id = $6, request_payload = $7, natural_id = $8, lease_owner = $9,
        lease_expires_at = ${d.nowPlus('$10')},
        expires_at = CASE WHEN ${d.typed('$12', 'text')} = 'lease_expired' THEN expires_at
                          WHEN ${d.typed('$11', 'float')} IS NULL THEN NULL ELSE ${d.nowPlus('$11')} END,
        created_at = CASE WHEN ${d.typed('$12', 'text')} = 'key_expired' THEN ${d.now} ELSE created_at END,
        updated_at = ${d.now}, completed_at = NULL, outcome_ok = NULL, outcome_status = NULL, outcome_body = NULL,
        outcome_headers = NULL
      WHERE id = $1 AND fence = ${d.typed('$2', 'int')} AND status = ${d.typed('$13', 'text')} AND (
        (${d.typed('$12', 'text')} = 'key_expired' AND expires_at <= ${d.now}
          AND (status = 'completed' OR lease_expires_at <= ${d.now}))
        OR (${d.typed('$12', 'text')} = 'lease_expired' AND lease_expires_at <= ${d.now} AND ${unexpired})
        OR (${d.typed('$12', 'text')} = 'payload_changed' AND ${unexpired}))
      RETURNING ${cols}`),
    // $1 id, $2 fence, $3 ok, $4 status, $5 body, $6 headers. Only the clock comes back: nobody reads the completed
    // row, and sending back the payload and the outcome just written cost a copy of both on every first call.
    complete: c(`UPDATE ${t.keys} SET status = 'completed', outcome_ok = ${d.typed('$3', 'bool')},
        outcome_status = ${d.typed('$4', 'int')}, outcome_body = $5, outcome_headers = $6,
        completed_at = ${d.now}, updated_at = ${d.now}, lease_owner = NULL, lease_expires_at = NULL
      WHERE id = $1 AND fence = ${d.typed('$2', 'int')} AND status = 'in_flight'
      RETURNING ${d.nowMs} AS db_now`),
    abandon:
      c(`DELETE FROM ${t.keys} WHERE id = $1 AND fence = ${d.typed('$2', 'int')} AND status = 'in_flight'
      RETURNING ${d.nowMs} AS db_now`),
    // $1 id, $2 fence, $3 lease ms
    renew: c(`UPDATE ${t.keys} SET lease_expires_at = ${d.nowPlus('$3')}, updated_at = ${d.now}
      WHERE id = $1 AND fence = ${d.typed('$2', 'int')} AND status = 'in_flight'
      RETURNING ${cols}`),
    byId: c(`SELECT ${cols} FROM ${t.keys} WHERE id = $1`),
    release: c(`DELETE FROM ${t.keys} WHERE ${identity} AND status = 'in_flight' RETURNING ${cols}`),
    void: c(`DELETE FROM ${t.keys} WHERE ${identity} RETURNING ${cols}`),
    purge: c(`DELETE FROM ${t.keys} WHERE id IN (
        SELECT id FROM ${t.keys}
        WHERE expires_at <= ${d.now} AND (status = 'completed' OR lease_expires_at IS NULL OR lease_expires_at <= ${d.now})
        LIMIT ${d.typed('$1', 'int')} ${d.skipLocked})`),
    now: c(`SELECT ${d.nowMs} AS db_now`),
    // Events by primary key range (ids are UUIDv7): old ones go in batches without scanning the table.
    purgeEvents: c(`DELETE FROM ${t.events} WHERE id IN (
        SELECT id FROM ${t.events} WHERE id < $1 ORDER BY id LIMIT ${d.typed('$2', 'int')})`),
    purgeRequests: c(`DELETE FROM ${t.requests} WHERE id IN (
        SELECT id FROM ${t.requests} WHERE id < $1 ORDER BY id LIMIT ${d.typed('$2', 'int')})`),
  };
}

const EVENT_COLUMNS = 12;
const REQUEST_COLUMNS = 20;

/** A SQL store over a driver. Use the entry points named for your client: pgStore, sqliteStore, prismaStore. */
export function createSqlStore<Tx>(options: SqlStoreOptions<Tx>): TransactionalStore<Tx> & AdminCapable {
  const { driver, tables: t } = options;
  const d = driver.dialect;
  const s = statements(d, t);
  const channel = options.channel ?? 'idem_keys';
  const waiters = new ChangeWaiters();
  const unsubscribe = driver.changeFeed?.subscribe((id) => waiters.notify(id));
  const query = <T>(on: SqlRunner, st: Statement, ...args: unknown[]): Promise<T[]> => on.query<T>(st, args);

  async function why(on: SqlRunner, ref: FenceRef): Promise<FenceResult> {
    const [row] = await query<Row>(on, s.byId, ref.id);
    const nowRows = row === undefined ? await query<{ db_now: number }>(on, s.now) : [row];
    const now = num(nowRows[0]!.db_now);
    if (row === undefined) return { ok: false, reason: 'not_found', now };
    return { ok: false, reason: num(row.fence) !== ref.fence ? 'fence_mismatch' : 'not_in_flight', now };
  }

  const notifyOthers = (on: SqlRunner, ref: KeyRef): Promise<void> =>
    driver.notify?.(on, channel, refId(ref)) ?? Promise.resolve();

  async function takeover(
    on: SqlRunner,
    input: BeginInput,
    previous: KeyRecord,
    answer: BeginAnswer & { kind: 'execute' },
  ) {
    const rows = await query<Row>(
      on,
      s.takeover,
      previous.id,
      previous.fence,
      input.policy.name,
      input.fingerprint.hash,
      input.fingerprint.alg,
      input.requestId,
      input.requestPayload,
      input.naturalId,
      input.leaseOwner,
      input.policy.leaseMs,
      input.policy.ttlMs,
      answer.reason,
      previous.status,
    );
    return rows[0];
  }

  async function begin(input: BeginInput): Promise<BeginResult> {
    const args = [
      input.scope,
      input.procedure,
      input.kind,
      input.key,
      newId(),
      input.policy.name,
      input.fingerprint.hash,
      input.fingerprint.alg,
      input.requestId,
      input.requestPayload,
      input.naturalId,
      input.leaseOwner,
      input.policy.leaseMs,
      input.policy.ttlMs,
    ];
    // Bounded: each pass either decides or lost a race to a change that itself completed.
    for (let attempt = 0; attempt < 50; attempt++) {
      const decided = await driver.atomically(async (on): Promise<BeginResult | null> => {
        let row: Row | undefined;
        if (d.name === 'postgresql') {
          [row] = await query<Row>(on, s.claimOrRead, ...args);
          if (row === undefined) return null;
        } else {
          [row] = await query<Row>(on, s.claim, ...args);
          if (row !== undefined) row.claimed = true;
          else [row] = await query<Row>(on, s.read, ...args);
          if (row === undefined) return null;
        }
        const now = num(row.db_now);
        if (row.claimed !== undefined && Number(row.claimed) === 1) {
          const record = { ...toRecord(row), requestPayload: input.requestPayload };
          return { answer: { kind: 'execute', reason: 'new', record }, now };
        }
        const record = toRecord(row);
        const { answer } = reduceKey(record, { type: 'begin', now, id: record.id, input });
        if (answer.kind !== 'execute') return { answer, now };
        const taken = await takeover(on, input, record, answer);
        if (taken === undefined) return null;
        return {
          answer: { kind: 'execute', reason: answer.reason, record: toRecord(taken) },
          now: num(taken.db_now),
        };
      });
      if (decided !== null) return decided;
    }
    throw new Error(`could not settle key ${input.key} after 50 attempts`);
  }

  async function fenced(
    ref: FenceRef,
    run: (on: SqlRunner) => Promise<{ db_now: number | bigint } | undefined>,
    opts: SettleOptions<Tx> | undefined,
  ): Promise<FenceResult> {
    const body = async (on: SqlRunner): Promise<FenceResult> => {
      const row = await run(on);
      if (row === undefined) return why(on, ref);
      if (opts?.notify) await notifyOthers(on, ref);
      return { ok: true, record: undefined, now: num(row.db_now) };
    };
    const result =
      opts?.tx !== undefined ? await body(driver.within(opts.tx)) : await driver.atomically(body);
    waiters.notify(refId(ref));
    return result;
  }

  // Removes a key by identity (release: only in flight; void: whatever its state) and wakes whoever waits on it.
  async function remove(statement: Statement, ref: KeyRef): Promise<KeyRecord | undefined> {
    const [row] = await driver.atomically(async (on) => {
      const rows = await query<Row>(on, statement, ref.scope, ref.procedure, ref.kind, ref.key);
      if (rows.length > 0) await notifyOthers(on, ref);
      return rows;
    });
    waiters.notify(refId(ref));
    return row === undefined ? undefined : toRecord(row);
  }

  return {
    kind: d.name,
    admin: createSqlAdmin(driver, t),
    begin,
    transaction: (fn) => driver.transaction(fn),
    isTransientError: (error) => driver.isTransientError(error),
    complete(ref, outcome, opts) {
      return fenced(
        ref,
        async (on) =>
          (
            await query<{ db_now: number }>(
              on,
              s.complete,
              ref.id,
              ref.fence,
              outcome.ok,
              outcome.status,
              outcome.body,
              outcome.headers === undefined ? null : JSON.stringify(outcome.headers),
            )
          )[0],
        opts,
      );
    },
    abandon(ref, opts) {
      return fenced(
        ref,
        async (on) => (await query<{ db_now: number }>(on, s.abandon, ref.id, ref.fence))[0],
        opts,
      );
    },
    async renew(ref, leaseMs) {
      return driver.atomically(async (on) => {
        const [row] = await query<Row>(on, s.renew, ref.id, ref.fence, leaseMs);
        return row === undefined ? why(on, ref) : { ok: true, record: toRecord(row), now: num(row.db_now) };
      });
    },
    release: (ref) => remove(s.release, ref),
    void: (ref) => remove(s.void, ref),
    async get(ref) {
      const [row] = await query<Row>(driver, s.read, ref.scope, ref.procedure, ref.kind, ref.key);
      return row === undefined ? undefined : toRecord(row);
    },
    async purgeExpired(limit) {
      return driver.atomically((on) => on.execute(s.purge, [limit]));
    },
    async appendEvents(events) {
      if (events.length === 0) return;
      const rows: string[] = [];
      const args: unknown[] = [];
      for (const e of events) {
        const p = (i: number) => `$${args.length + i}`;
        rows.push(
          `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${d.fromMs(p(8))}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)})`,
        );
        args.push(
          e.id,
          e.keyId,
          e.scope,
          e.procedure,
          e.kind,
          e.key,
          e.type,
          e.at,
          e.requestId,
          e.fingerprint,
          e.payload,
          e.detail === null ? null : JSON.stringify(e.detail),
        );
      }
      const st = compile(
        d,
        `INSERT INTO ${t.events} (id, key_id, scope, "procedure", kind, "key", type, at, request_id, fingerprint, payload, detail)
         VALUES ${rows.join(', ')}`,
      );
      if (args.length !== events.length * EVENT_COLUMNS) throw new Error('event row shape mismatch');
      await driver.atomically((on) => on.execute(st, args));
    },
    async appendRequests(requests) {
      if (requests.length === 0) return;
      const rows: string[] = [];
      const args: unknown[] = [];
      const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
      for (const r of requests) {
        const n = args.length;
        const p = (i: number) => `$${n + i}`;
        const values = Array.from({ length: REQUEST_COLUMNS }, (_, i) => p(i + 1));
        values[1] = d.fromMs(p(2));
        values[10] = d.typed(p(11), 'int');
        values[18] = d.name === 'postgresql' ? `string_to_array(${p(19)}::text, chr(10))` : p(19);
        values[19] = d.typed(p(20), 'int');
        rows.push(`(${values.join(', ')})`);
        args.push(
          r.id,
          r.at,
          r.scope,
          r.procedure,
          r.kind,
          r.key,
          r.keyId,
          r.requestId,
          r.decision,
          r.reason,
          r.status,
          r.fingerprint,
          r.naturalId,
          r.route,
          r.userAgent,
          r.address,
          json(r.request),
          json(r.response),
          d.name === 'postgresql' ? r.terms.join('\n') : termsText(r.terms),
          r.durationMs,
        );
      }
      const st = compile(
        d,
        `INSERT INTO ${t.requests} (id, at, scope, "procedure", kind, "key", key_id, request_id, decision, reason,
           status, fingerprint, natural_id, route, user_agent, address, request, response, terms, duration_ms)
         VALUES ${rows.join(', ')}`,
      );
      if (args.length !== requests.length * REQUEST_COLUMNS) throw new Error('request row shape mismatch');
      await driver.atomically((on) => on.execute(st, args));
    },
    async purgeEventsBefore(id, limit) {
      const events = await driver.atomically((on) => on.execute(s.purgeEvents, [id, limit]));
      const requests = await driver.atomically((on) => on.execute(s.purgeRequests, [id, limit]));
      return Math.max(events, requests);
    },
    async listEvents(q: EventQuery) {
      const where: string[] = [];
      const args: unknown[] = [];
      const add = (sql: (p: string) => string, value: unknown) => {
        args.push(value);
        where.push(sql(`$${args.length}`));
      };
      if (q.scope !== undefined) add((p) => `scope = ${p}`, q.scope);
      if (q.procedure !== undefined) add((p) => `"procedure" = ${p}`, q.procedure);
      if (q.kind !== undefined) add((p) => `kind = ${p}`, q.kind);
      if (q.key !== undefined) add((p) => `"key" = ${p}`, q.key);
      if (q.before !== undefined) add((p) => `id < ${p}`, q.before);
      if (q.types !== undefined && q.types.length > 0) {
        const ps = q.types.map((type) => {
          args.push(type);
          return `$${args.length}`;
        });
        where.push(`type IN (${ps.join(', ')})`);
      }
      args.push(Math.min(Math.max(q.limit ?? 100, 1), 1000));
      const st = compile(
        d,
        `SELECT ${eventColumns(d)}
         FROM ${t.events} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY id DESC LIMIT ${d.typed(`$${args.length}`, 'int')}`,
      );
      const rows = await driver.query<EventRow>(st, args);
      return rows.map(toEvent);
    },
    waitForChange(ref, seen, timeoutMs, signal) {
      return waiters.wait(refId(ref), timeoutMs, signal, async () => {
        await driver.changeFeed?.listening();
        const [row] = await query<Row>(driver, s.read, ref.scope, ref.procedure, ref.kind, ref.key);
        return unchanged(seen, row === undefined ? undefined : toRecord(row));
      });
    },
    async now() {
      const [row] = await query<{ db_now: number | bigint }>(driver, s.now);
      return num(row!.db_now);
    },
    async close() {
      unsubscribe?.();
      await driver.close();
    },
  };
}
