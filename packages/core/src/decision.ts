// What the engine decides for one keyed request, and what the request brings. No HTTP here: the edge turns a
// decision into an answer (a status, a header, a body) with its own presentation.
import type { IdemErrorCode } from './errors.ts';
import type { EventDetail } from './events.ts';
import type { FingerprintInput } from './fingerprint.ts';
import type { ExecuteReason } from './key-machine.ts';
import type { Policy } from './policy.ts';
import type { KeyKind, KeyRecord, Outcome } from './record.ts';
import type { FenceRef } from './store.ts';

/** The decisions the edge may describe for support staff (see BeginRequest.answers). */
export type AnsweredDecision = 'replay' | 'conflict' | 'in_flight' | 'invalid';

/** One keyed request as the edge sees it. */
export interface BeginRequest {
  /** The authenticated caller: keys never cross callers (K9). */
  scope: string;
  /** The operation, e.g. the tRPC path. */
  procedure: string;
  /** What the key is made of (default 'key': the client chose it). */
  kind?: KeyKind;
  /** The key as received (header, input fields or derived); validated here (K5, K6). */
  key: unknown;
  policy: Policy;
  payload: FingerprintInput;
  requestId?: string | null;
  /** The values of a natural key as the customer knows them, kept for search. */
  naturalId?: string | null;
  /** Stops a `wait`/`serialize` duplicate from waiting when the caller goes away. */
  signal?: AbortSignal;
  /**
   * How the edge will answer each kind of decision (its status and code, say), recorded with the decision's event
   * so support staff see what the client got. Opaque to the engine.
   */
  answers?: Partial<Record<AnsweredDecision, EventDetail>>;
}

/** The holder's handle on a key it may execute under. */
export interface Execution<Tx = never> {
  readonly ref: FenceRef;
  readonly policy: Policy;
  readonly record: KeyRecord;
  /** Aborted when the lease is lost to a takeover: stop work, the result will be refused. */
  readonly signal: AbortSignal;
  /**
   * Stores the outcome (or, if the policy does not store it, releases the key). Throws IdemError LEASE_LOST if
   * another holder took the key over: its outcome stands, not ours (K11).
   */
  complete(outcome: Outcome, options?: CompleteOptions<Tx>): Promise<{ stored: boolean }>;
  /** Gives the key up without an outcome: a retry runs fresh. */
  abandon(options?: { tx?: Tx }): Promise<void>;
}

export interface CompleteOptions<Tx = never> {
  /** Commit the outcome inside this transaction of the store (TransactionalStore). */
  tx?: Tx;
  /** The outcome is the refusal of input validation (the policy decides whether it is kept, K8). */
  invalidRequest?: boolean;
}

export type Decision<Tx = never> =
  /** No key and the policy does not require one: run without protection (K6). */
  | {
      readonly kind: 'unprotected';
      /** The payload's fingerprint under the policy, worked out on first call (for the request log, D6). */
      fingerprint(): string | null;
    }
  /** Refused before running: a bad key (K5, K6) or payload. Never stored (K8). */
  | { readonly kind: 'invalid'; readonly code: IdemErrorCode; readonly message: string }
  | { readonly kind: 'execute'; readonly reason: ExecuteReason; readonly execution: Execution<Tx> }
  | {
      readonly kind: 'replay';
      readonly outcome: Outcome;
      readonly record: KeyRecord;
      /** The payload differed and the policy replays anyway (natural keys, N2, N3). */
      readonly mismatch: boolean;
    }
  | { readonly kind: 'conflict'; readonly record: KeyRecord }
  | {
      readonly kind: 'in_flight';
      readonly record: KeyRecord;
      /** How long the holder's lease still runs; 0 when the holder had already finished (`serialize`). */
      readonly leaseRemainingMs: number;
      /** Whether this request waited for the first one before being refused (`serialize`, or a `wait` timeout). */
      readonly waited: boolean;
      /**
       * `running`: the first is still running. `finished`: this duplicate waited its turn and the first has
       * finished (seed 003's "processed serially, the later one gets 409").
       */
      readonly holder: 'running' | 'finished';
    };
