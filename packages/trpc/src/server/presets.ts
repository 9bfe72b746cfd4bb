// Named presets: each reproduces one document of the project's seeds exactly (../shared/SPEC.md); `ietf`, the
// default, follows the IETF draft "The Idempotency-Key HTTP Header Field". A preset is plain options, so
// idempotent({ preset, …overrides }) changes what it needs section by section.
import type { IdempotentOptions } from './policy.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

const IETF = {
  name: 'ietf',
  key: { header: 'Idempotency-Key', required: false, maxLength: 255, pattern: null },
  ttlMs: DAY,
  leaseMs: 30_000,
  fingerprint: { mode: 'canonical', exclude: [] },
  onMismatch: 'conflict',
  conflict: {
    status: 422,
    code: 'IDEMPOTENCY_KEY_REUSED',
    message: 'This Idempotency-Key was already used with a different request payload.',
  },
  inFlight: {
    mode: 'reject',
    waitTimeoutMs: 30_000,
    status: 409,
    code: 'IDEMPOTENCY_IN_FLIGHT',
    message: 'A request with this Idempotency-Key is still being processed; retry later.',
    retryAfterMs: 1000,
  },
  store: { success: true, clientErrors: true, serverErrors: true, invalidRequests: false },
  replay: { header: 'Idempotent-Replayed', bodyField: null, status: null },
  invalidKeyStatus: 400,
  maxPayloadBytes: 1024 * 1024,
  unique: [],
} as const satisfies IdempotentOptions;

// Natural keys (N1–N4) reconcile a resource forever (no TTL). Only a success is a resource to reconcile with: an
// error kept forever would refuse that external_id or execution_id for good, even after its cause was fixed
// (a delivery callback that met a 404 once could never be delivered). The seeds store errors (K8) only for keys
// that expire. Their keys are `field=value` pairs, so longer than a header's.
const NATURAL = {
  ttlMs: null,
  store: { success: true, clientErrors: false, serverErrors: false, invalidRequests: false },
  inFlight: { ...IETF.inFlight, mode: 'wait' },
  replay: { header: null, bodyField: null, status: null },
} as const satisfies IdempotentOptions;

const naturalKey = (fields: readonly string[]) => ({ ...IETF.key, fields, required: true, maxLength: 4096 });

const SHELFCYCLE = {
  ...IETF,
  name: 'shelfcycle',
  key: { ...IETF.key, required: true },
  conflict: {
    status: 409,
    code: 'idempotency_key_reused',
    message: 'The Idempotency-Key was reused with a different request body.',
  },
  replay: { header: null, bodyField: 'idempotencyStatus', status: null },
} as const satisfies IdempotentOptions;

export const presets = {
  /** IETF draft: optional key ≤ 255, 422 on payload mismatch, 409 + Retry-After while in flight, 24 h. */
  ietf: IETF,
  /** Seed 000 (Noticia): optional Idempotency-Key, `Idempotent-Replayed: true`, 409 IDEMPOTENCY_CONFLICT, byte-for-byte, 24 h. */
  noticia: {
    ...IETF,
    name: 'noticia',
    fingerprint: { mode: 'bytes', exclude: [] },
    conflict: {
      status: 409,
      code: 'IDEMPOTENCY_CONFLICT',
      message: 'A key may only be reused for an identical request.',
    },
  },
  /** Seed 000 (Noticia) profiles and stores: upsert by external_id, forever (N1). */
  'noticia-upsert': {
    ...IETF,
    ...NATURAL,
    name: 'noticia-upsert',
    key: naturalKey(['external_id']),
    onMismatch: 'execute',
  },
  /** Seed 000 (Noticia) sales-events: a known external_id is recognised, not written again, 200 not 201 (N2). */
  'noticia-recognised-create': {
    ...IETF,
    ...NATURAL,
    name: 'noticia-recognised-create',
    key: naturalKey(['external_id']),
    onMismatch: 'replay',
    replay: { header: null, bodyField: null, status: 200 },
  },
  /** Seed 001 (Shelfcycle): required key, body idempotencyStatus, 409 idempotency_key_reused. */
  shelfcycle: SHELFCYCLE,
  /**
   * Seed 001 (Shelfcycle) contacts: as `shelfcycle`, and a contact whose name or email matches an existing one
   * under the same parent (compared as people mean them), sent under another key, is 409 duplicate_contact (N5).
   */
  'shelfcycle-contacts': {
    ...SHELFCYCLE,
    name: 'shelfcycle-contacts',
    unique: ['name', 'email'].map((f) => ({
      fields: ['parent.type', 'parent.id', f],
      compare: 'text' as const,
      status: 409,
      code: 'duplicate_contact',
      message: `A contact with this ${f} already exists under the same parent.`,
    })),
  },
  /** Seed 002 (Novu, IETF draft): optional key ≤ 255, `Idempotency-Replay: true`, 422, 409 + Retry-After, 24 h 1 min; invalid requests not saved. */
  novu: {
    ...IETF,
    name: 'novu',
    ttlMs: DAY + 60_000,
    replay: { header: 'Idempotency-Replay', bodyField: null, status: null },
  },
  /**
   * Seed 003 (Salesbricks): X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY, every outcome stored (a validation failure
   * too: "a 400 … means a new key"), 400 on mismatch, serial duplicates get 409.
   */
  salesbricks: {
    ...IETF,
    name: 'salesbricks',
    key: { ...IETF.key, header: 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY' },
    conflict: {
      status: 400,
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: 'This idempotency key was already used with a different payload.',
    },
    inFlight: {
      ...IETF.inFlight,
      mode: 'serialize',
      message: 'A request with this idempotency key was processed first.',
    },
    store: { ...IETF.store, invalidRequests: true },
    replay: { header: null, bodyField: null, status: null },
  },
  /** Seed 004 (Numora) documents: external_id per (caller, schema) returns the existing document (N3). */
  'numora-documents': {
    ...IETF,
    ...NATURAL,
    name: 'numora-documents',
    key: naturalKey(['schema', 'external_id']),
    onMismatch: 'replay',
    replay: { header: null, bodyField: null, status: 200 },
  },
  /** Seed 004 (Numora) delivery callbacks: same execution_id and data accepted again, other data 409 (N4). */
  'numora-delivery': {
    ...IETF,
    ...NATURAL,
    name: 'numora-delivery',
    key: naturalKey(['execution_id']),
    conflict: {
      status: 409,
      code: 'conflict',
      message: 'This execution_id was already delivered with different data.',
    },
  },
} as const satisfies Record<string, IdempotentOptions>;

export type PresetName = keyof typeof presets;
