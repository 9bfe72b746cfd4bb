// The Prisma store: keys and events in SQLite (embedded default) or PostgreSQL (production), through any
// Prisma client whose driver adapter talks to one of them. It takes the client structurally, so @idem/core
// never imports a generated Prisma client; packages/db hands it one.
//
// Every statement is the cheapest correct one for its database:
// - PostgreSQL: claim-or-read is one round trip (INSERT … ON CONFLICT DO NOTHING RETURNING inside a CTE, with a
//   read of the existing row in the same statement); takeovers, completions and releases are single
//   compare-and-swap statements on the fencing token; purge deletes in batches with FOR UPDATE SKIP LOCKED.
// - SQLite: Prisma's better-sqlite3 adapter shares one connection, so an interactive transaction opened by one
//   request would otherwise swallow another request's statements. Each store operation therefore runs as its own
//   short transaction (which waits for the adapter's transaction lock); the first statement writes, so SQLite's
//   write lock is held from the start and the operation is atomic across processes too.
import type { AdminCapable } from '../admin.ts';
import type { EventQuery } from '../events.ts';
import { newId } from '../ids.ts';
import { type BeginAnswer, type BeginInput, reduceKey } from '../key-machine.ts';
import type { KeyRecord } from '../record.ts';
import {
  type BeginResult,
  type CompleteOptions,
  type FenceRef,
  type FenceResult,
  type IdempotencyStore,
  type KeyRef,
  refId,
  unchanged,
} from '../store.ts';
import { ChangeWaiters } from '../waiters.ts';
import { createSqlAdmin } from './sql-admin.ts';
import {
  bind,
  compile,
  type Dialect,
  postgres,
  type SqlDialect,
  type Statement,
  sqlite,
} from './sql-dialect.ts';
import { type EventRow, eventColumns, keyColumns, num, type Row, toEvent, toRecord } from './sql-rows.ts';

/** The part of a Prisma client (or interactive-transaction client) the store uses. */
export interface SqlClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** A Prisma client that can open interactive transactions. */
export interface SqlRootClient extends SqlClient {
  $transaction<R>(
    fn: (tx: SqlClient) => Promise<R>,
    options?: { maxWait?: number; timeout?: number },
  ): Promise<R>;
}

/** Hears key changes made by other processes (PostgreSQL LISTEN), to wake waiting duplicates. */
export interface ChangeFeed {
  /** Calls `listener` with refId(key) whenever a key is completed, abandoned or released anywhere. */
  subscribe(listener: (id: string) => void): () => void;
}

export interface SqlStoreOptions {
  client: SqlRootClient;
  dialect: SqlDialect;
  /** PostgreSQL NOTIFY channel used to wake waiters in other processes (default 'idem_keys'). */
  channel?: string;
  /** Where notifications from other processes arrive; without it, waiters wake on timeout or local changes. */
  changeFeed?: ChangeFeed;
}

/** All statements, compiled once per store. */
function statements(d: Dialect) {
  const cols = keyColumns(d);
  const identity = 'scope = $1 AND "procedure" = $2 AND "key" = $3';
  // $1 scope, $2 procedure, $3 key, $4 id, $5 policy, $6 fingerprint, $7 alg, $8 request id, $9 payload,
  // $10 natural id, $11 lease owner, $12 lease ms, $13 ttl ms (null: never expires)
  const insert = `INSERT INTO idem_keys (id, scope, "procedure", "key", policy, status, fence, fingerprint, fingerprint_alg,
      request_id, request_payload, natural_id, lease_owner, lease_expires_at, expires_at, created_at, updated_at)
    VALUES ($4, $1, $2, $3, $5, 'in_flight', 1, $6, $7, $8, $9, $10, $11, ${d.nowPlus('$12')},
      CASE WHEN ${d.typed('$13', 'float')} IS NULL THEN NULL ELSE ${d.nowPlus('$13')} END, ${d.now}, ${d.now})
    ON CONFLICT (scope, "procedure", "key") DO NOTHING`;
  const c = (sql: string): Statement => compile(d, sql);
  return {
    // PostgreSQL: claim or read the existing row in one round trip. If the conflicting row was committed after
    // this statement's snapshot, neither branch returns it and the caller simply runs the statement again.
    claimOrRead: c(`WITH ins AS (${insert} RETURNING ${cols})
      SELECT true AS claimed, ins.* FROM ins
      UNION ALL
      SELECT false AS claimed, ${cols} FROM idem_keys WHERE ${identity} AND NOT EXISTS (SELECT 1 FROM ins)`),
    claim: c(`${insert} RETURNING ${cols}`),
    read: c(`SELECT ${cols} FROM idem_keys WHERE ${identity}`),
    // Takeover: CAS on the fence, re-checking with the database's clock that the reducer's reason still holds.
    // $1 id, $2 fence, $3 policy, $4 fingerprint, $5 alg, $6 request id, $7 payload, $8 natural id,
    // $9 lease owner, $10 lease ms, $11 ttl ms or null, $12 reason, $13 previous status
    takeover: c(`UPDATE idem_keys SET status = 'in_flight', fence = fence + 1, policy = $3, fingerprint = $4,
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
        OR (${d.typed('$12', 'text')} = 'lease_expired' AND lease_expires_at <= ${d.now})
        OR (${d.typed('$12', 'text')} = 'payload_changed'))
      RETURNING ${cols}`),
    // $1 id, $2 fence, $3 ok, $4 status, $5 body, $6 headers
    complete: c(`UPDATE idem_keys SET status = 'completed', outcome_ok = ${d.typed('$3', 'bool')},
        outcome_status = ${d.typed('$4', 'int')}, outcome_body = $5, outcome_headers = $6,
        completed_at = ${d.now}, updated_at = ${d.now}, lease_owner = NULL, lease_expires_at = NULL
      WHERE id = $1 AND fence = ${d.typed('$2', 'int')} AND status = 'in_flight'
      RETURNING ${cols}`),
    abandon:
      c(`DELETE FROM idem_keys WHERE id = $1 AND fence = ${d.typed('$2', 'int')} AND status = 'in_flight'
      RETURNING ${d.nowMs} AS db_now`),
    // $1 id, $2 fence, $3 lease ms
    renew: c(`UPDATE idem_keys SET lease_expires_at = ${d.nowPlus('$3')}, updated_at = ${d.now}
      WHERE id = $1 AND fence = ${d.typed('$2', 'int')} AND status = 'in_flight'
      RETURNING ${cols}`),
    byId: c(`SELECT ${cols} FROM idem_keys WHERE id = $1`),
    release: c(`DELETE FROM idem_keys WHERE ${identity} AND status = 'in_flight' RETURNING ${cols}`),
    purge: c(`DELETE FROM idem_keys WHERE id IN (
        SELECT id FROM idem_keys
        WHERE expires_at <= ${d.now} AND (status = 'completed' OR lease_expires_at IS NULL OR lease_expires_at <= ${d.now})
        LIMIT ${d.typed('$1', 'int')} ${d.skipLocked})`),
    now: c(`SELECT ${d.nowMs} AS db_now`),
    // Events by primary key range (ids are UUIDv7): old ones go in batches without scanning the table.
    purgeEvents: c(`DELETE FROM idem_events WHERE id IN (
        SELECT id FROM idem_events WHERE id < $1 ORDER BY id LIMIT ${d.typed('$2', 'int')})`),
  };
}

const EVENT_COLUMNS = 11;

/**
 * @example
 * const db = await openDatabase();                      // @idem/db
 * const store = createSqlStore({ client: db.prisma, dialect: db.provider });
 */
export function createSqlStore(options: SqlStoreOptions): IdempotencyStore & AdminCapable {
  const { client } = options;
  const d = options.dialect === 'sqlite' ? sqlite : postgres;
  const s = statements(d);
  const channel = options.channel ?? 'idem_keys';
  const waiters = new ChangeWaiters();
  const unsubscribe = options.changeFeed?.subscribe((id) => waiters.notify(id));

  const query = <T>(on: SqlClient, st: Statement, ...args: unknown[]): Promise<T[]> =>
    on.$queryRawUnsafe<T[]>(st.sql, ...bind(st, args));

  // SQLite: every operation is its own transaction (see the module comment); PostgreSQL: autocommit.
  const atomically = <T>(fn: (on: SqlClient) => Promise<T>): Promise<T> =>
    d.name === 'sqlite' ? client.$transaction(fn, { maxWait: 30_000, timeout: 30_000 }) : fn(client);

  async function why(on: SqlClient, ref: FenceRef): Promise<FenceResult> {
    const [row] = await query<Row>(on, s.byId, ref.id);
    const nowRows = row === undefined ? await query<{ db_now: number }>(on, s.now) : [row];
    const now = num(nowRows[0]!.db_now);
    if (row === undefined) return { ok: false, reason: 'not_found', now };
    return { ok: false, reason: num(row.fence) !== ref.fence ? 'fence_mismatch' : 'not_in_flight', now };
  }

  async function notifyOthers(on: SqlClient, ref: KeyRef): Promise<void> {
    if (d.name === 'postgresql') await on.$executeRawUnsafe('SELECT pg_notify($1, $2)', channel, refId(ref));
  }

  async function takeover(
    on: SqlClient,
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
      const decided = await atomically(async (on): Promise<BeginResult | null> => {
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
        const record = toRecord(row);
        if (row.claimed !== undefined && Number(row.claimed) === 1) {
          return { answer: { kind: 'execute', reason: 'new', record }, now };
        }
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
    what: 'complete' | 'abandon',
    ref: FenceRef,
    run: (on: SqlClient) => Promise<Row | { db_now: number | bigint } | undefined>,
    opts: CompleteOptions | undefined,
  ): Promise<FenceResult> {
    const body = async (on: SqlClient): Promise<FenceResult> => {
      const row = await run(on);
      if (row === undefined) return why(on, ref);
      if (opts?.notify) await notifyOthers(on, ref);
      return {
        ok: true,
        record: what === 'complete' ? toRecord(row as Row) : undefined,
        now: num(row.db_now),
      };
    };
    const result = opts?.tx !== undefined ? await body(opts.tx as SqlClient) : await atomically(body);
    waiters.notify(refId(ref));
    return result;
  }

  return {
    kind: d.name,
    admin: createSqlAdmin(client, d, atomically),
    begin,
    complete(ref, outcome, opts) {
      return fenced(
        'complete',
        ref,
        async (on) =>
          (
            await query<Row>(
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
        'abandon',
        ref,
        async (on) => (await query<{ db_now: number }>(on, s.abandon, ref.id, ref.fence))[0],
        opts,
      );
    },
    async renew(ref, leaseMs) {
      return atomically(async (on) => {
        const [row] = await query<Row>(on, s.renew, ref.id, ref.fence, leaseMs);
        return row === undefined ? why(on, ref) : { ok: true, record: toRecord(row), now: num(row.db_now) };
      });
    },
    async release(ref) {
      const [row] = await atomically(async (on) => {
        const rows = await query<Row>(on, s.release, ref.scope, ref.procedure, ref.key);
        if (rows.length > 0) await notifyOthers(on, ref);
        return rows;
      });
      waiters.notify(refId(ref));
      return row === undefined ? undefined : toRecord(row);
    },
    async get(ref) {
      const [row] = await query<Row>(client, s.read, ref.scope, ref.procedure, ref.key);
      return row === undefined ? undefined : toRecord(row);
    },
    async purgeExpired(limit) {
      return atomically((on) => on.$executeRawUnsafe(s.purge.sql, ...bind(s.purge, [limit])));
    },
    async appendEvents(events) {
      if (events.length === 0) return;
      const rows: string[] = [];
      const args: unknown[] = [];
      for (const e of events) {
        const p = (i: number) => `$${args.length + i}`;
        rows.push(
          `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${d.fromMs(p(7))}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)})`,
        );
        args.push(
          e.id,
          e.keyId,
          e.scope,
          e.procedure,
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
        `INSERT INTO idem_events (id, key_id, scope, "procedure", "key", type, at, request_id, fingerprint, payload, detail)
         VALUES ${rows.join(', ')}`,
      );
      if (args.length !== events.length * EVENT_COLUMNS) throw new Error('event row shape mismatch');
      await atomically((on) => on.$executeRawUnsafe(st.sql, ...bind(st, args)));
    },
    async purgeEventsBefore(id, limit) {
      return atomically((on) => on.$executeRawUnsafe(s.purgeEvents.sql, ...bind(s.purgeEvents, [id, limit])));
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
      if (q.key !== undefined) add((p) => `"key" = ${p}`, q.key);
      if (q.before !== undefined) add((p) => `id < ${p}`, q.before);
      if (q.types !== undefined && q.types.length > 0) {
        const ps = q.types.map((t) => {
          args.push(t);
          return `$${args.length}`;
        });
        where.push(`type IN (${ps.join(', ')})`);
      }
      args.push(Math.min(Math.max(q.limit ?? 100, 1), 1000));
      const st = compile(
        d,
        `SELECT ${eventColumns(d)}
         FROM idem_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY id DESC LIMIT ${d.typed(`$${args.length}`, 'int')}`,
      );
      const rows = await client.$queryRawUnsafe<EventRow[]>(st.sql, ...bind(st, args));
      return rows.map(toEvent);
    },
    waitForChange(ref, seen, timeoutMs, signal) {
      return waiters.wait(refId(ref), timeoutMs, signal, async () => {
        const [row] = await query<Row>(client, s.read, ref.scope, ref.procedure, ref.key);
        return unchanged(seen, row === undefined ? undefined : toRecord(row));
      });
    },
    async now() {
      const [row] = await query<{ db_now: number | bigint }>(client, s.now);
      return num(row!.db_now);
    },
    async close() {
      unsubscribe?.();
    },
  };
}
