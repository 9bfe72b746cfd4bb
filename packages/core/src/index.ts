// @idem/core: the public surface, listed. Stores live on their own subpaths (@idem/core/memory,
// @idem/core/prisma) and the conformance suite on @idem/core/conformance.
export {
  type AdminCapable,
  adminOf,
  type AuditEntry,
  type AuditInput,
  type AuditPage,
  type AuditQuery,
  describeRef,
  type EventPage,
  type IdempotencyAdmin,
  type IncidentKind,
  type IncidentQuery,
  isFailedRecord,
  KEY_STATES,
  type JsonValue,
  type KeyPage,
  type KeySearch,
  type KeyState,
  type KeyStats,
  type KeyStory,
  keyState,
  type SortOrder,
  type StatsBucket,
  type StatsQuery,
  type StoryTarget,
} from './admin.ts';
export {
  type BeginRequest,
  createEngine,
  type Decision,
  type Engine,
  type EngineOptions,
  type Execution,
  type PurgeOptions,
  type PurgeProgress,
} from './engine.ts';
export { IdemError, type IdemErrorCode, type IdemErrorDetails, isIdemError } from './errors.ts';
export { EventBuffer, type EventBufferOptions } from './event-buffer.ts';
export {
  EVENT_TYPES,
  type EventDetail,
  type EventQuery,
  type IdemEvent,
  type IdemEventType,
} from './events.ts';
export {
  canonicalJson,
  FINGERPRINT_ALGORITHMS,
  type Fingerprint,
  type FingerprintAlgorithm,
  type FingerprintInput,
  type FingerprintMode,
  type FingerprintOptions,
  fingerprint,
  fingerprintMatches,
} from './fingerprint.ts';
export { idFloor, newId } from './ids.ts';
export { type KeyCheck, type KeyRules, checkKey } from './key.ts';
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
export {
  definePolicy,
  type InFlightMode,
  type MismatchAction,
  type Policy,
  type PolicyOptions,
  type PresetName,
  presets,
  storesOutcome,
  type UniqueConstraint,
} from './policy.ts';
export {
  isExpired,
  isLeaseLive,
  isPurgeable,
  type KeyRecord,
  type KeyStatus,
  type Outcome,
} from './record.ts';
export {
  boundText,
  createRedactor,
  DEFAULT_SECRET_FIELDS,
  defaultRedactor,
  REDACTED,
  type Redactor,
  type RedactorOptions,
} from './redact.ts';
export {
  type BeginResult,
  type CompleteOptions,
  type FenceRef,
  type FenceResult,
  type IdempotencyStore,
  type KeyRef,
  refId,
} from './store.ts';
