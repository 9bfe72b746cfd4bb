// @idem/core/admin: what support tools ask of a store (D1–D8): search, a key's story, incidents, statistics, the
// audit log, staff jobs. @idem/admin serves it over tRPC; the dashboard and the CLI read that.
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
  type JsonValue,
  KEY_STATES,
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
export { idTime } from './ids.ts';
