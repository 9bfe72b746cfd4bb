// @idem/core/store: the contract a key store keeps, for those who write one (prove it with
// @idem/core/conformance). The pure reducer is the one definition of what happens to a key: a store applies it
// (memory) or performs the same transitions as compare-and-swap statements and asks it to decide.
export type { EventQuery, IdemEvent, IdemEventType } from './events.ts';
export type { Fingerprint } from './fingerprint.ts';
export type { LoggedMessage, LoggedRequest, RequestDecision } from './requests.ts';
export {
  type AdminAnswer,
  type BeginAnswer,
  type BeginInput,
  type ExecuteReason,
  type FencedAnswer,
  type KeyEvent,
  reduceKey,
  type StaleReason,
  type Transition,
} from './key-machine.ts';
export { isExpired, isLeaseLive, isPurgeable, type KeyKind, type KeyRecord, type Outcome } from './record.ts';
export {
  type BeginResult,
  type FenceRef,
  type FenceResult,
  type IdempotencyStore,
  isTransactional,
  type KeyRef,
  refId,
  type SettleOptions,
  type TransactionalStore,
  type TxOf,
  unchanged,
} from './store.ts';
