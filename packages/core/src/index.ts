// @idem/core: what an application needs to make operations idempotent. Stores live on subpaths named for what
// they take (@idem/core/memory, /pg, /sqlite, /prisma, /redis); store authors find the store contract on
// @idem/core/store and its test suite on @idem/core/conformance; support tools find the admin side on
// @idem/core/admin.
export type { AnsweredDecision, BeginRequest, CompleteOptions, Decision, Execution } from './decision.ts';
export { createEngine, type Engine, type EngineOptions } from './engine.ts';
export { IdemError, type IdemErrorCode, type IdemErrorDetails, isIdemError } from './errors.ts';
export type { EventDetail, IdemEvent, IdemEventType } from './events.ts';
export type { FingerprintMode } from './fingerprint.ts';
export type { ExecuteReason } from './key-machine.ts';
export {
  DEFAULT_POLICY,
  definePolicy,
  type InFlightMode,
  type MismatchAction,
  type Policy,
  type PolicyOptions,
} from './policy.ts';
export type { PurgeOptions, PurgeProgress } from './purge.ts';
export type { KeyKind, KeyRecord, KeyStatus, Outcome } from './record.ts';
export {
  createRedactor,
  DEFAULT_SECRET_FIELDS,
  defaultRedactor,
  REDACTED,
  type Redactor,
  type RedactorOptions,
} from './redact.ts';
export type { RequestDecision, RequestReport } from './requests.ts';
export type { IdempotencyStore, KeyRef, TransactionalStore, TxOf } from './store.ts';
