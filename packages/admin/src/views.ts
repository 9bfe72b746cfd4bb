// What staff see of keys and events. Payloads were redacted when stored, but stored outcomes are kept byte
// for byte (a replay must return them), so everything shown passes the redactor here, at display (D2).
// JSON is shown with sorted keys and indented, so that two payloads can be compared line by line.
import { defaultRedactor, type IdemEvent, type KeyKind, type KeyRecord, type Redactor } from '@idem/core';
import {
  type DuplicateGroup,
  type KeyState,
  type KeyStory,
  keyState,
  type LoggedMessage,
  type LoggedRequest,
  type RequestDecision,
} from '@idem/core/admin';
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

/** A logged request as a row of search results. */
export interface RequestRow {
  /** The log entry's id. */
  id: string;
  at: number;
  scope: string;
  /** The caller's name in the host app's directory, when it has one. */
  caller: string | null;
  procedure: string;
  kind: KeyKind;
  /** The key as sent; '' when none was. */
  key: string;
  keyId: string | null;
  requestId: string | null;
  decision: RequestDecision;
  reason: string | null;
  status: number | null;
  naturalId: string | null;
  route: string | null;
  userAgent: string | null;
  address: string | null;
  durationMs: number | null;
  /** The answer's size in bytes, when the door reported it. */
  responseBytes: number | null;
}

/** A message for display: headers and body redacted again with the router's redactor; byte for byte if clean. */
export interface MessageView {
  headers: Record<string, string>;
  body: string | null;
  bytes: number | null;
  /** Whether anything was hidden (the body then differs from what travelled). */
  redacted: boolean;
  /** Whether the body was cut at its size bound. */
  truncated: boolean;
}

/** A logged request in full: the request as received and the answer as sent (D7). */
export interface RequestDetail extends RequestRow {
  fingerprint: string | null;
  request: MessageView | null;
  response: MessageView | null;
}

function messageView(message: LoggedMessage | null, redact: Redactor): MessageView | null {
  if (message === null) return null;
  let body = message.body;
  let redacted = message.redacted;
  if (body !== null) {
    const parsed = parse(body);
    const clean = parsed.ok ? redact(parsed.value) : redact(body);
    if (parsed.ok ? clean !== parsed.value : clean !== body) {
      body = parsed.ok ? JSON.stringify(clean) : String(clean);
      redacted = true;
    }
  }
  return {
    headers: redact({ ...message.headers }) as Record<string, string>,
    body,
    bytes: message.bytes,
    redacted,
    truncated: body !== null && /…\[truncated \d+ bytes\]$/.test(body),
  };
}

export function requestRow(r: LoggedRequest, callers: Readonly<Record<string, string>> = {}): RequestRow {
  return {
    id: r.id,
    at: r.at,
    scope: r.scope,
    caller: callers[r.scope] ?? null,
    procedure: r.procedure,
    kind: r.kind,
    key: r.key,
    keyId: r.keyId,
    requestId: r.requestId,
    decision: r.decision,
    reason: r.reason,
    status: r.status,
    naturalId: r.naturalId,
    route: r.route,
    userAgent: r.userAgent,
    address: r.address,
    durationMs: r.durationMs,
    responseBytes: r.response?.bytes ?? null,
  };
}

export function requestDetail(
  r: LoggedRequest,
  shown: FingerprintShown,
  redact: Redactor = defaultRedactor,
  callers: Readonly<Record<string, string>> = {},
): RequestDetail {
  return {
    ...requestRow(r, callers),
    fingerprint: r.fingerprint === null ? null : shown(r.fingerprint),
    request: messageView(r.request, redact),
    response: messageView(r.response, redact),
  };
}

/** A group of possible duplicates (D6), its members as rows. */
export interface DuplicateGroupView {
  id: string;
  kind: DuplicateGroup['kind'];
  scope: string;
  caller: string | null;
  procedure: string;
  fingerprint: string | null;
  key: string | null;
  naturalId: string | null;
  requests: number;
  keys: number;
  firstSeen: number;
  lastSeen: number;
  members: RequestRow[];
}

export function duplicateGroupView(
  g: DuplicateGroup,
  shown: FingerprintShown,
  callers: Readonly<Record<string, string>> = {},
): DuplicateGroupView {
  return {
    id: g.id,
    kind: g.kind,
    scope: g.scope,
    caller: callers[g.scope] ?? null,
    procedure: g.procedure,
    fingerprint: g.fingerprint === null ? null : shown(g.fingerprint),
    key: g.key,
    naturalId: g.naturalId,
    requests: g.requests,
    keys: g.keys,
    firstSeen: g.firstSeen,
    lastSeen: g.lastSeen,
    members: g.members.map((m) => requestRow(m, callers)),
  };
}
