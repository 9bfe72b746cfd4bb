// What staff see of keys and events. Payloads were redacted when stored, but stored outcomes are kept byte
// for byte (a replay must return them), so everything shown passes the redactor here, at display (D2).
// JSON is shown with sorted keys and indented, so that two payloads can be compared line by line.
import { defaultRedactor, type IdemEvent, type KeyKind, type KeyRecord, type Redactor } from '@idem/core';
import { type KeyState, type KeyStory, keyState } from '@idem/core/admin';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Decodes stored values the way the app's transformer encoded them (superjson, say); identity by default. */
export interface StoredValueDecoder {
  deserialize(value: unknown): unknown;
}

const identity: StoredValueDecoder = { deserialize: (v) => v };
const encoder = new TextEncoder();

/**
 * How a fingerprint is shown to staff. A stored fingerprint is a plain SHA-256 of the request, secrets included,
 * so shown as it is it would let anyone who sees it test guesses of a redacted password offline. Staff see an
 * HMAC of it under a server secret instead: equal requests still show equal values, guesses cannot be checked.
 */
export type FingerprintShown = (fingerprint: string) => string;

/** Shows fingerprints as HMAC-SHA256 under `secret`, which never reaches a browser. */
export function keyedFingerprints(secret: string): FingerprintShown {
  const key = encoder.encode(secret);
  return (fingerprint) => bytesToHex(hmac(sha256, key, encoder.encode(fingerprint))).slice(0, 32);
}

/** A key as a row of the search results. Times are ms since the epoch on the store's clock. */
export interface KeyRow {
  id: string;
  scope: string;
  procedure: string;
  kind: KeyKind;
  key: string;
  state: KeyState;
  policy: string;
  fence: number;
  naturalId: string | null;
  requestId: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  outcomeStatus: number | null;
}

/** A key in full, for its story: fingerprint, request and outcome, redacted. */
export interface KeyDetail extends KeyRow {
  fingerprint: string;
  fingerprintAlg: string;
  /** The canonical request, redacted and indented; null if none was kept. */
  request: string | null;
  outcome: { ok: boolean; status: number; body: string; headers: Record<string, string> | null } | null;
}

export interface EventView {
  id: string;
  keyId: string | null;
  scope: string;
  procedure: string;
  kind: KeyKind;
  key: string;
  type: IdemEvent['type'];
  at: number;
  requestId: string | null;
  fingerprint: string | null;
  /** For a conflict, the conflicting request, redacted and indented like KeyDetail.request. */
  payload: string | null;
  detail: Record<string, string | number | boolean | null> | null;
}

export interface StoryView {
  scope: string;
  procedure: string;
  kind: KeyKind;
  key: string;
  record: KeyDetail | null;
  events: EventView[];
  now: number;
}

const MAX_SHOWN_CHARS = 64 * 1024;

/** Sorts object keys recursively: the canonical order two payloads are compared in. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

const pretty = (value: unknown): string => {
  const text = JSON.stringify(sortKeys(value), null, 2) ?? 'null';
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}\n…[cut for display]` : text;
};

const parse = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
};

/**
 * A kept payload for display. It was redacted before it was stored and may have been cut to its size bound
 * (then it is no longer JSON and is shown as kept).
 */
export function showPayload(text: string | null, redact: Redactor = defaultRedactor): string | null {
  if (text === null) return null;
  const parsed = parse(text);
  return parsed.ok ? pretty(redact(parsed.value)) : text.slice(0, MAX_SHOWN_CHARS);
}

/**
 * A stored outcome body for display. The tRPC middleware stores `{ kind: 'data', data }` (data through
 * superjson) or `{ kind: 'error', error }`; anything else JSON is shown as it is. A body that is not JSON
 * cannot be redacted field by field, so it is withheld.
 */
export function showOutcomeBody(
  body: string,
  redact: Redactor = defaultRedactor,
  decoder: StoredValueDecoder = identity,
): string {
  const parsed = parse(body);
  if (!parsed.ok)
    return `[not JSON: ${encoder.encode(body).byteLength} bytes withheld, since they cannot be redacted]`;
  let value = parsed.value;
  const stored = value as { kind?: unknown; data?: unknown; error?: unknown } | null;
  if (stored !== null && typeof stored === 'object' && stored.kind === 'data' && 'data' in stored) {
    try {
      value = { data: decoder.deserialize(stored.data) };
    } catch {
      value = { data: stored.data };
    }
  } else if (stored !== null && typeof stored === 'object' && stored.kind === 'error') {
    value = { error: stored.error };
  }
  return pretty(redact(JSON.parse(JSON.stringify(value ?? null)) as unknown));
}

export function keyRow(record: KeyRecord, now: number): KeyRow {
  return {
    id: record.id,
    scope: record.scope,
    procedure: record.procedure,
    kind: record.kind,
    key: record.key,
    state: keyState(record, now),
    policy: record.policy,
    fence: record.fence,
    naturalId: record.naturalId,
    requestId: record.requestId,
    leaseOwner: record.leaseOwner,
    leaseExpiresAt: record.leaseExpiresAt,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    completedAt: record.completedAt,
    outcomeStatus: record.outcome?.status ?? null,
  };
}

export function keyDetail(
  record: KeyRecord,
  now: number,
  shown: FingerprintShown,
  redact: Redactor = defaultRedactor,
  decoder: StoredValueDecoder = identity,
): KeyDetail {
  const headers = record.outcome?.headers;
  return {
    ...keyRow(record, now),
    fingerprint: shown(record.fingerprint),
    fingerprintAlg: record.fingerprintAlg,
    request: showPayload(record.requestPayload, redact),
    outcome:
      record.outcome === null
        ? null
        : {
            ok: record.outcome.ok,
            status: record.outcome.status,
            body: showOutcomeBody(record.outcome.body, redact, decoder),
            headers: headers === undefined ? null : (redact({ ...headers }) as Record<string, string>),
          },
  };
}

// A conflict's detail names the fingerprint it was compared with: shown keyed like every other.
function keyedDetail(detail: NonNullable<IdemEvent['detail']>, shown: FingerprintShown) {
  const stored = detail.storedFingerprint;
  return typeof stored === 'string' ? { ...detail, storedFingerprint: shown(stored) } : { ...detail };
}

export function eventView(
  event: IdemEvent,
  shown: FingerprintShown,
  redact: Redactor = defaultRedactor,
): EventView {
  return {
    id: event.id,
    keyId: event.keyId,
    scope: event.scope,
    procedure: event.procedure,
    kind: event.kind,
    key: event.key,
    type: event.type,
    at: event.at,
    requestId: event.requestId,
    fingerprint: event.fingerprint === null ? null : shown(event.fingerprint),
    payload: showPayload(event.payload, redact),
    detail: event.detail === null ? null : (redact(keyedDetail(event.detail, shown)) as EventView['detail']),
  };
}

export function storyView(
  story: KeyStory,
  shown: FingerprintShown,
  redact: Redactor = defaultRedactor,
  decoder: StoredValueDecoder = identity,
): StoryView {
  return {
    ...story.ref,
    record: story.record === null ? null : keyDetail(story.record, story.now, shown, redact, decoder),
    events: story.events.map((e) => eventView(e, shown, redact)),
    now: story.now,
  };
}
