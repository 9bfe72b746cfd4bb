// The life of one idempotency key as a pure reducer over an exhaustive union of events: no I/O, no clock.
// The memory store applies it directly; the SQL stores perform the same transitions as compare-and-swap
// statements and ask this reducer to decide whenever they hold a row in hand, so there is one definition of
// what happens to a key and the conformance suite holds every store to it.
import { type Fingerprint, fingerprintMatches } from './fingerprint.ts';
import type { MismatchAction } from './policy.ts';
import { isExpired, isLeaseLive, isPurgeable, type KeyKind, type KeyRecord, type Outcome } from './record.ts';

/** What a request brings to `begin`. */
export interface BeginInput {
  readonly scope: string;
  readonly procedure: string;
  readonly kind: KeyKind;
  readonly key: string;
  readonly fingerprint: Fingerprint;
  readonly policy: {
    readonly name: string;
    readonly ttlMs: number | null;
    readonly leaseMs: number;
    readonly onMismatch: MismatchAction;
  };
  readonly requestId: string | null;
  readonly leaseOwner: string;
  readonly requestPayload: string | null;
  readonly naturalId: string | null;
}

export type KeyEvent =
  /** A request with this key arrives. `id` names the record if one must be created. */
  | { readonly type: 'begin'; readonly now: number; readonly id: string; readonly input: BeginInput }
  /** The holder finished; its outcome is stored. */
  | {
      readonly type: 'complete';
      readonly now: number;
      readonly id: string;
      readonly fence: number;
      readonly outcome: Outcome;
    }
  /** The holder gives the key up without an outcome worth storing (K8); a retry runs fresh. */
  | { readonly type: 'abandon'; readonly now: number; readonly id: string; readonly fence: number }
  /** The holder is alive: its lease is extended. */
  | {
      readonly type: 'renew';
      readonly now: number;
      readonly id: string;
      readonly fence: number;
      readonly leaseMs: number;
    }
  /** Support staff release a stuck in-flight key (D5). */
  | { readonly type: 'release'; readonly now: number }
  /** Support staff void a key whatever its state, so the next request runs fresh (D8). */
  | { readonly type: 'void'; readonly now: number }
  /** Retention is over: the record goes (K7). */
  | { readonly type: 'purge'; readonly now: number };

/** Why a request was allowed to run. */
export type ExecuteReason = 'new' | 'key_expired' | 'lease_expired' | 'payload_changed';

export type BeginAnswer =
  | { readonly kind: 'execute'; readonly reason: ExecuteReason; readonly record: KeyRecord }
  | {
      readonly kind: 'replay';
      readonly record: KeyRecord;
      readonly outcome: Outcome;
      readonly mismatch: boolean;
    }
  | { readonly kind: 'conflict'; readonly record: KeyRecord }
  | { readonly kind: 'in_flight'; readonly record: KeyRecord; readonly leaseRemainingMs: number };

/** Why a fenced command (complete, abandon, renew) did nothing. */
export type StaleReason = 'not_found' | 'fence_mismatch' | 'not_in_flight';

export type FencedAnswer =
  | { readonly kind: 'ok'; readonly record: KeyRecord | undefined }
  | { readonly kind: 'stale'; readonly reason: StaleReason };

export type AdminAnswer =
  | { readonly kind: 'ok'; readonly record: KeyRecord }
  | { readonly kind: 'unchanged' };

export interface AnswerFor {
  begin: BeginAnswer;
  complete: FencedAnswer;
  abandon: FencedAnswer;
  renew: FencedAnswer;
  release: AdminAnswer;
  void: AdminAnswer;
  purge: AdminAnswer;
}

export interface Transition<E extends KeyEvent> {
  readonly state: KeyRecord | undefined;
  readonly answer: AnswerFor[E['type']];
}

function claimed(
  previous: KeyRecord | undefined,
  event: Extract<KeyEvent, { type: 'begin' }>,
  reason: ExecuteReason,
): KeyRecord {
  const { now, input } = event;
  // A lease takeover continues the same generation: the key keeps its age and its expiry.
  const sameGeneration =
    previous !== undefined && (reason === 'lease_expired' || reason === 'payload_changed');
  return {
    id: previous?.id ?? event.id,
    scope: input.scope,
    procedure: input.procedure,
    kind: input.kind,
    key: input.key,
    policy: input.policy.name,
    status: 'in_flight',
    fence: (previous?.fence ?? 0) + 1,
    fingerprint: input.fingerprint.hash,
    fingerprintAlg: input.fingerprint.alg,
    requestId: input.requestId,
    requestPayload: input.requestPayload,
    naturalId: input.naturalId,
    leaseOwner: input.leaseOwner,
    leaseExpiresAt: now + input.policy.leaseMs,
    expiresAt:
      sameGeneration && reason === 'lease_expired'
        ? previous.expiresAt
        : input.policy.ttlMs === null
          ? null
          : now + input.policy.ttlMs,
    createdAt: sameGeneration ? previous.createdAt : now,
    updatedAt: now,
    completedAt: null,
    outcome: null,
  };
}

function begin(
  state: KeyRecord | undefined,
  event: Extract<KeyEvent, { type: 'begin' }>,
): Transition<typeof event> {
  const { now, input } = event;
  const execute = (reason: ExecuteReason): Transition<typeof event> => {
    const record = claimed(state, event, reason);
    return { state: record, answer: { kind: 'execute', reason, record } };
  };
  const keep = (answer: BeginAnswer): Transition<typeof event> => ({ state, answer });

  if (state === undefined) return execute('new');
  // An expired key runs fresh (K7), unless a holder is still running under a live lease.
  if (isExpired(state, now) && !isLeaseLive(state, now)) return execute('key_expired');

  const inFlight = (): Transition<typeof event> =>
    isLeaseLive(state, now)
      ? keep({ kind: 'in_flight', record: state, leaseRemainingMs: state.leaseExpiresAt! - now })
      : execute('lease_expired');

  const match = fingerprintMatches({ alg: state.fingerprintAlg, hash: state.fingerprint }, input.fingerprint);
  if (!match) {
    switch (input.policy.onMismatch) {
      case 'conflict':
        return keep({ kind: 'conflict', record: state });
      case 'replay':
        return state.status === 'completed' && state.outcome !== null
          ? keep({ kind: 'replay', record: state, outcome: state.outcome, mismatch: true })
          : inFlight();
      case 'execute':
        return state.status === 'completed' ? execute('payload_changed') : inFlight();
    }
  }
  if (state.status === 'completed' && state.outcome !== null) {
    return keep({ kind: 'replay', record: state, outcome: state.outcome, mismatch: false });
  }
  return inFlight();
}

function fenced(state: KeyRecord | undefined, id: string, fence: number): StaleReason | null {
  // A record with another id is another generation (purged and claimed again): the token names nothing here.
  if (state === undefined || state.id !== id) return 'not_found';
  if (state.fence !== fence) return 'fence_mismatch';
  if (state.status !== 'in_flight') return 'not_in_flight';
  return null;
}

/**
 * Applies one event to a key's state.
 *
 * @example
 * const { state, answer } = reduceKey(undefined, { type: 'begin', now, id, input });
 * answer.kind // 'execute'
 */
export function reduceKey<E extends KeyEvent>(state: KeyRecord | undefined, event: E): Transition<E> {
  const result = ((): Transition<KeyEvent> => {
    switch (event.type) {
      case 'begin':
        return begin(state, event as Extract<KeyEvent, { type: 'begin' }>);
      case 'complete': {
        const stale = fenced(state, event.id, event.fence);
        if (stale !== null) return { state, answer: { kind: 'stale', reason: stale } };
        const record: KeyRecord = {
          ...state!,
          status: 'completed',
          outcome: event.outcome,
          completedAt: event.now,
          updatedAt: event.now,
          leaseOwner: null,
          leaseExpiresAt: null,
        };
        return { state: record, answer: { kind: 'ok', record } };
      }
      case 'abandon': {
        const stale = fenced(state, event.id, event.fence);
        if (stale !== null) return { state, answer: { kind: 'stale', reason: stale } };
        return { state: undefined, answer: { kind: 'ok', record: undefined } };
      }
      case 'renew': {
        const stale = fenced(state, event.id, event.fence);
        if (stale !== null) return { state, answer: { kind: 'stale', reason: stale } };
        const record: KeyRecord = {
          ...state!,
          leaseExpiresAt: event.now + event.leaseMs,
          updatedAt: event.now,
        };
        return { state: record, answer: { kind: 'ok', record } };
      }
      case 'release':
        return state !== undefined && state.status === 'in_flight'
          ? { state: undefined, answer: { kind: 'ok', record: state } }
          : { state, answer: { kind: 'unchanged' } };
      case 'void':
        return state !== undefined
          ? { state: undefined, answer: { kind: 'ok', record: state } }
          : { state, answer: { kind: 'unchanged' } };
      case 'purge':
        return state !== undefined && isPurgeable(state, event.now)
          ? { state: undefined, answer: { kind: 'ok', record: state } }
          : { state, answer: { kind: 'unchanged' } };
      default: {
        const exhaustive: never = event;
        throw new Error(`unknown key event ${JSON.stringify(exhaustive)}`);
      }
    }
  })();
  return result as Transition<E>;
}
