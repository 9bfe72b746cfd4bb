// idem's own schema, one list of migrations per database. Only idem's tables (idem_keys, idem_events,
// idem_audit, idem_jobs, idem_admin_state, idem_requests), recorded in idem's own history table (idem_migrations),
// never in an application's or Prisma's. The package also ships each one as a .sql file (dist/sql/<dialect>/), for
// teams that apply migrations with a tool of their own.
//
// Rules for a new migration: append, never edit one that shipped (its checksum is recorded); one statement per
// `;` at the end of a line; unqualified table names (a PostgreSQL schema is applied through search_path).
// Migration 1 is written with IF NOT EXISTS: it adopts tables created by idem 0.1's Prisma migrations.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'keys_events_audit',
    sql: `
CREATE TABLE IF NOT EXISTS idem_keys (
  id TEXT NOT NULL PRIMARY KEY,
  scope TEXT NOT NULL,
  "procedure" TEXT NOT NULL,
  "key" TEXT NOT NULL,
  policy TEXT NOT NULL,
  status TEXT NOT NULL,
  fence INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  fingerprint_alg TEXT NOT NULL,
  request_id TEXT,
  request_payload TEXT,
  natural_id TEXT,
  lease_owner TEXT,
  lease_expires_at TIMESTAMPTZ(3),
  expires_at TIMESTAMPTZ(3),
  created_at TIMESTAMPTZ(3) NOT NULL,
  updated_at TIMESTAMPTZ(3) NOT NULL,
  completed_at TIMESTAMPTZ(3),
  outcome_ok BOOLEAN,
  outcome_status INTEGER,
  outcome_body TEXT,
  outcome_headers TEXT
);
CREATE TABLE IF NOT EXISTS idem_events (
  id TEXT NOT NULL PRIMARY KEY,
  key_id TEXT,
  scope TEXT NOT NULL,
  "procedure" TEXT NOT NULL,
  "key" TEXT NOT NULL,
  type TEXT NOT NULL,
  at TIMESTAMPTZ(3) NOT NULL,
  request_id TEXT,
  fingerprint TEXT,
  payload TEXT,
  detail TEXT
);
CREATE TABLE IF NOT EXISTS idem_audit (
  id TEXT NOT NULL PRIMARY KEY,
  at TIMESTAMPTZ(3) NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  "before" TEXT,
  "after" TEXT
);
CREATE INDEX IF NOT EXISTS idem_keys_expires_at ON idem_keys (expires_at);
CREATE INDEX IF NOT EXISTS idem_keys_natural_id ON idem_keys (natural_id);
CREATE INDEX IF NOT EXISTS idem_keys_key_prefix ON idem_keys ("key" text_pattern_ops, id);
CREATE INDEX IF NOT EXISTS idem_keys_scope_id ON idem_keys (scope, id);
CREATE INDEX IF NOT EXISTS idem_keys_procedure_id ON idem_keys ("procedure", id);
CREATE INDEX IF NOT EXISTS idem_keys_status_id ON idem_keys (status, id);
CREATE INDEX IF NOT EXISTS idem_keys_created_at ON idem_keys (created_at, id);
CREATE INDEX IF NOT EXISTS idem_events_type_at ON idem_events (type, at);
CREATE INDEX IF NOT EXISTS idem_events_type_id ON idem_events (type, id);
CREATE INDEX IF NOT EXISTS idem_events_key_id ON idem_events (key_id);
`,
  },
  {
    version: 2,
    name: 'key_kinds_jobs_admin_state',
    sql: `
ALTER TABLE idem_keys ADD COLUMN IF NOT EXISTS kind TEXT NOT NULL DEFAULT 'key';
ALTER TABLE idem_events ADD COLUMN IF NOT EXISTS kind TEXT NOT NULL DEFAULT 'key';
DROP INDEX IF EXISTS idem_keys_identity;
CREATE UNIQUE INDEX idem_keys_identity ON idem_keys (scope, "procedure", kind, "key");
DROP INDEX IF EXISTS idem_events_key;
CREATE INDEX idem_events_identity ON idem_events (scope, "procedure", "key", kind, id);
DROP INDEX IF EXISTS idem_events_natural;
CREATE INDEX idem_events_natural ON idem_events (type, id) WHERE kind = 'natural';
CREATE TABLE idem_jobs (
  id TEXT NOT NULL PRIMARY KEY,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at TIMESTAMPTZ(3) NOT NULL,
  updated_at TIMESTAMPTZ(3) NOT NULL,
  finished_at TIMESTAMPTZ(3),
  progress TEXT NOT NULL,
  error TEXT
);
CREATE INDEX idem_jobs_type_id ON idem_jobs (type, id);
CREATE TABLE idem_admin_state (
  name TEXT NOT NULL PRIMARY KEY,
  count INTEGER NOT NULL,
  expires_at TIMESTAMPTZ(3) NOT NULL
);
CREATE INDEX idem_admin_state_expires_at ON idem_admin_state (expires_at);
`,
  },
  {
    version: 3,
    name: 'request_log',
    sql: `
CREATE TABLE idem_requests (
  id TEXT NOT NULL PRIMARY KEY,
  at TIMESTAMPTZ(3) NOT NULL,
  scope TEXT NOT NULL,
  "procedure" TEXT NOT NULL,
  kind TEXT NOT NULL,
  "key" TEXT NOT NULL,
  key_id TEXT,
  request_id TEXT,
  decision TEXT NOT NULL,
  reason TEXT,
  status INTEGER,
  fingerprint TEXT,
  natural_id TEXT,
  route TEXT,
  user_agent TEXT,
  address TEXT,
  request TEXT,
  response TEXT,
  terms TEXT[],
  duration_ms INTEGER
);
CREATE INDEX idem_requests_request_id ON idem_requests (request_id);
CREATE INDEX idem_requests_key_id ON idem_requests (key_id);
CREATE INDEX idem_requests_key ON idem_requests ("key" text_pattern_ops, id);
CREATE INDEX idem_requests_scope_id ON idem_requests (scope, id);
CREATE INDEX idem_requests_procedure_id ON idem_requests ("procedure", id);
CREATE INDEX idem_requests_decision ON idem_requests (decision, id, kind, scope, "procedure", fingerprint, "key");
CREATE INDEX idem_requests_fingerprint ON idem_requests (scope, "procedure", fingerprint, id);
CREATE INDEX idem_requests_terms ON idem_requests USING GIN (terms);
`,
  },
];

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'keys_events_audit',
    sql: `
CREATE TABLE IF NOT EXISTS idem_keys (
  id TEXT NOT NULL PRIMARY KEY,
  scope TEXT NOT NULL,
  "procedure" TEXT NOT NULL,
  "key" TEXT NOT NULL,
  policy TEXT NOT NULL,
  status TEXT NOT NULL,
  fence INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  fingerprint_alg TEXT NOT NULL,
  request_id TEXT,
  request_payload TEXT,
  natural_id TEXT,
  lease_owner TEXT,
  lease_expires_at BIGINT,
  expires_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  completed_at BIGINT,
  outcome_ok BOOLEAN,
  outcome_status INTEGER,
  outcome_body TEXT,
  outcome_headers TEXT
);
CREATE TABLE IF NOT EXISTS idem_events (
  id TEXT NOT NULL PRIMARY KEY,
  key_id TEXT,
  scope TEXT NOT NULL,
  "procedure" TEXT NOT NULL,
  "key" TEXT NOT NULL,
  type TEXT NOT NULL,
  at BIGINT NOT NULL,
  request_id TEXT,
  fingerprint TEXT,
  payload TEXT,
  detail TEXT
);
CREATE TABLE IF NOT EXISTS idem_audit (
  id TEXT NOT NULL PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  "before" TEXT,
  "after" TEXT
);
CREATE INDEX IF NOT EXISTS idem_keys_expires_at ON idem_keys (expires_at);
CREATE INDEX IF NOT EXISTS idem_keys_natural_id ON idem_keys (natural_id);
CREATE INDEX IF NOT EXISTS idem_keys_key_prefix ON idem_keys ("key", id);
CREATE INDEX IF NOT EXISTS idem_keys_scope_id ON idem_keys (scope, id);
CREATE INDEX IF NOT EXISTS idem_keys_procedure_id ON idem_keys ("procedure", id);
CREATE INDEX IF NOT EXISTS idem_keys_status_id ON idem_keys (status, id);
CREATE INDEX IF NOT EXISTS idem_keys_created_at ON idem_keys (created_at, id);
CREATE INDEX IF NOT EXISTS idem_events_type_at ON idem_events (type, at);
CREATE INDEX IF NOT EXISTS idem_events_type_id ON idem_events (type, id);
CREATE INDEX IF NOT EXISTS idem_events_key_id ON idem_events (key_id);
`,
  },
  {
    version: 2,
    name: 'key_kinds_jobs_admin_state',
    sql: `
ALTER TABLE idem_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'key';
ALTER TABLE idem_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'key';
DROP INDEX IF EXISTS idem_keys_identity;
CREATE UNIQUE INDEX idem_keys_identity ON idem_keys (scope, "procedure", kind, "key");
DROP INDEX IF EXISTS idem_events_key;
CREATE INDEX idem_events_identity ON idem_events (scope, "procedure", "key", kind, id);
DROP INDEX IF EXISTS idem_events_natural;
CREATE INDEX idem_events_natural ON idem_events (type, id) WHERE kind = 'natural';
CREATE TABLE idem_jobs (
  id TEXT NOT NULL PRIMARY KEY,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT,
  progress TEXT NOT NULL,
  error TEXT
);
CREATE INDEX idem_jobs_type_id ON idem_jobs (type, id);
CREATE TABLE idem_admin_state (
  name TEXT NOT NULL PRIMARY KEY,
  count INTEGER NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX idem_admin_state_expires_at ON idem_admin_state (expires_at);
`,
  },
  {
    version: 3,
    name: 'request_log',
    sql: `
CREATE TABLE idem_requests (
  id TEXT NOT NULL PRIMARY KEY,
  at BIGINT NOT NULL,
  scope TEXT NOT NULL,
  "procedure" TEXT NOT NULL,
  kind TEXT NOT NULL,
  "key" TEXT NOT NULL,
  key_id TEXT,
  request_id TEXT,
  decision TEXT NOT NULL,
  reason TEXT,
  status INTEGER,
  fingerprint TEXT,
  natural_id TEXT,
  route TEXT,
  user_agent TEXT,
  address TEXT,
  request TEXT,
  response TEXT,
  terms TEXT,
  duration_ms INTEGER
);
CREATE INDEX idem_requests_request_id ON idem_requests (request_id);
CREATE INDEX idem_requests_key_id ON idem_requests (key_id);
CREATE INDEX idem_requests_key ON idem_requests ("key", id);
CREATE INDEX idem_requests_scope_id ON idem_requests (scope, id);
CREATE INDEX idem_requests_procedure_id ON idem_requests ("procedure", id);
CREATE INDEX idem_requests_decision ON idem_requests (decision, id, kind, scope, "procedure", fingerprint, "key");
CREATE INDEX idem_requests_fingerprint ON idem_requests (scope, "procedure", fingerprint, id);
`,
  },
];
