// The contract every key store keeps (memory, SQLite, PostgreSQL, Redis). Each operation is atomic on its
// own; the conformance suite (@idem/core/conformance) proves a store keeps it. Time is the store's: `now` values
// returned here come from the store's clock (the database's now()), and the engine never mixes in its own.
import type { EventQuery, IdemEvent } from './events.ts';
import type { BeginAnswer, BeginInput, StaleReason } from './key-machine.ts';
import type { KeyKind, KeyRecord, Outcome } from './record.ts';
import type { LoggedRequest } from './requests.ts';

/** A key's identity: whose, for which operation, of which kind, and the key itself (K9). */
export interface KeyRef {
  readonly scope: string;
  readonly procedure: string;
  readonly kind: KeyKind;
  readonly key: string;
}

/** A key's identity plus the fencing token its holder got: what complete/abandon/renew must present. */
export interface FenceRef extends KeyRef {
  readonly id: string;
  readonly fence: number;
}

export interface BeginResult {
  readonly answer: BeginAnswer;
  /** The store's clock when it decided. */
  readonly now: number;
}

export type FenceResult =
  | { readonly ok: true; readonly record: KeyRecord | undefined; readonly now: number }
  | { readonly ok: false; readonly reason: StaleReason; readonly now: number };

export interface SettleOptions<Tx = never> {
  /**
   * A transaction of the store's own kind (see TransactionalStore): the outcome commits together with the
   * business writes made through it, or not at all.
   */
  readonly tx?: Tx;
  /** Wake duplicates waiting in other processes (set by the engine for `wait` and `serialize` policies). */
  readonly notify?: boolean;
}

export interface IdempotencyStore {
  /** 'memory', 'sqlite', 'postgresql', 'redis': shown in logs and the dashboard. */
  readonly kind: string;
  /** Claims the key or says why not; `input` carries the policy's TTL and lease. */
  begin(input: BeginInput): Promise<BeginResult>;
  /** Stores the outcome if `ref.fence` still holds the key. */
  complete(ref: FenceRef, outcome: Outcome, options?: SettleOptions): Promise<FenceResult>;
  /** Deletes the in-flight record if `ref.fence` still holds it, so a retry runs fresh. */
  abandon(ref: FenceRef, options?: SettleOptions): Promise<FenceResult>;
  /** Extends the holder's lease by `leaseMs` from now. */
  renew(ref: FenceRef, leaseMs: number): Promise<FenceResult>;
  /** Ends an in-flight key whatever its lease (support staff, D5); returns the record as it was. */
  release(ref: KeyRef): Promise<KeyRecord | undefined>;
  /** Deletes a key whatever its state (support staff void a stored outcome, D8); returns the record as it was. */
  void(ref: KeyRef): Promise<KeyRecord | undefined>;
  get(ref: KeyRef): Promise<KeyRecord | undefined>;
  /** Deletes up to `limit` expired, unheld keys; returns how many went. */
  purgeExpired(limit: number): Promise<number>;
  appendEvents(events: readonly IdemEvent[]): Promise<void>;
  /**
   * Keeps requests as they were answered (the request log, D7), in batches behind the requests. Optional: a store
   * without one keeps no request log, and support tools find keys and events only.
   */
  appendRequests?(requests: readonly LoggedRequest[]): Promise<void>;
  /**
   * Deletes up to `limit` events, and as many logged requests, whose id sorts before `id` (ids are UUIDv7, so:
   * older than its time); returns how many went. Optional: a store that bounds its events itself (Redis) has none.
   */
  purgeEventsBefore?(id: string, limit: number): Promise<number>;
  listEvents(query: EventQuery): Promise<IdemEvent[]>;
  /**
   * Resolves when the key is no longer as `seen` (completed, abandoned, released, taken over) or after
   * `timeoutMs`, whichever comes first; at once if it already changed. Never rejects. A store that cannot hear
   * other processes relies on the timeout.
   */
  waitForChange(ref: KeyRef, seen: KeyRecord, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** The store's clock, in milliseconds since the epoch. */
  now(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A store that can commit an outcome together with the business writes (SQL stores): `transaction` opens a
 * transaction on the database the store writes to, the procedure writes through `tx`, and complete/abandon with
 * `{ tx }` write the key inside it.
 *
 * @example
 * await store.transaction(async (tx) => {
 *   await tx.query('INSERT INTO orders …');          // a pg PoolClient for pgStore
 *   await execution.complete(outcome, { tx });
 * });
 */
export interface TransactionalStore<Tx> extends IdempotencyStore {
  transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
  complete(ref: FenceRef, outcome: Outcome, options?: SettleOptions<Tx>): Promise<FenceResult>;
  abandon(ref: FenceRef, options?: SettleOptions<Tx>): Promise<FenceResult>;
  /**
   * Whether an error from work inside `transaction` means the database was unreachable or dropped the connection
   * (the transaction rolled back; a retry may succeed), rather than that the work itself failed.
   */
  isTransientError(error: unknown): boolean;
}

/** The transaction type of a store, or never for a store that has none. */
export type TxOf<S> = S extends TransactionalStore<infer Tx> ? Tx : never;

/** Whether a store can commit outcomes with business writes. */
export function isTransactional(store: IdempotencyStore): store is TransactionalStore<unknown> {
  const s = store as Partial<TransactionalStore<unknown>>;
  return typeof s.transaction === 'function' && typeof s.isTransientError === 'function';
}

/** Whether a key still is as it was seen: same generation, fence, status and last change. */
export function unchanged(seen: KeyRecord, current: KeyRecord | undefined): boolean {
  return (
    current !== undefined &&
    current.id === seen.id &&
    current.fence === seen.fence &&
    current.status === seen.status &&
    current.updatedAt === seen.updatedAt
  );
}

/** Identity of a key as one string, for maps and channels. */
export function refId(ref: KeyRef): string {
  return JSON.stringify([ref.scope, ref.procedure, ref.kind, ref.key]);
}
