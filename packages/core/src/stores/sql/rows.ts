// How the SQL store's rows map to records and events, shared by the store and its admin queries.
import type { IdemEvent } from '../../events.ts';
import type { KeyKind, KeyRecord, KeyStatus, Outcome } from '../../record.ts';
import type { LoggedMessage, LoggedRequest, RequestDecision } from '../../requests.ts';
import type { Dialect } from './dialect.ts';

export interface Row {
  id: string;
  scope: string;
  procedure: string;
  kind: string;
  key: string;
  policy: string;
  status: string;
  fence: number | bigint;
  fingerprint: string;
  fingerprint_alg: string;
  request_id: string | null;
  request_payload: string | null;
  natural_id: string | null;
  lease_owner: string | null;
  lease_expires_at: number | bigint | null;
  expires_at: number | bigint | null;
  created_at: number | bigint;
  updated_at: number | bigint;
  completed_at: number | bigint | null;
  outcome_ok: boolean | number | bigint | null;
  outcome_status: number | bigint | null;
  outcome_body: string | null;
  outcome_headers: string | null;
  db_now: number | bigint;
  claimed?: boolean | number | bigint;
}

export interface EventRow {
  id: string;
  key_id: string | null;
  scope: string;
  procedure: string;
  kind: string;
  key: string;
  type: string;
  at: number | bigint;
  request_id: string | null;
  fingerprint: string | null;
  payload: string | null;
  detail: string | null;
}

export const num = (v: number | bigint): number => Math.round(Number(v));
export const optNum = (v: number | bigint | null): number | null => (v === null ? null : num(v));

export function toRecord(row: Row): KeyRecord {
  const outcome: Outcome | null =
    row.outcome_status === null || row.outcome_body === null
      ? null
      : {
          ok: Boolean(Number(row.outcome_ok)),
          status: num(row.outcome_status),
          body: row.outcome_body,
          headers:
            row.outcome_headers === null
              ? undefined
              : (JSON.parse(row.outcome_headers) as Record<string, string>),
        };
  return {
    id: row.id,
    scope: row.scope,
    procedure: row.procedure,
    kind: row.kind as KeyKind,
    key: row.key,
    policy: row.policy,
    status: row.status as KeyStatus,
    fence: num(row.fence),
    fingerprint: row.fingerprint,
    fingerprintAlg: row.fingerprint_alg,
    requestId: row.request_id,
    requestPayload: row.request_payload,
    naturalId: row.natural_id,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: optNum(row.lease_expires_at),
    expiresAt: optNum(row.expires_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    completedAt: optNum(row.completed_at),
    outcome,
  };
}

export function toEvent(row: EventRow): IdemEvent {
  return {
    id: row.id,
    keyId: row.key_id,
    scope: row.scope,
    procedure: row.procedure,
    kind: row.kind as KeyKind,
    key: row.key,
    type: row.type as IdemEvent['type'],
    at: num(row.at),
    requestId: row.request_id,
    fingerprint: row.fingerprint,
    payload: row.payload,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as IdemEvent['detail']),
  };
}

/** The key columns as the store reads them: times as epoch milliseconds, plus the database's clock. */
export function keyColumns(d: Dialect): string {
  return [
    'id',
    'scope',
    '"procedure"',
    'kind',
    '"key"',
    'policy',
    'status',
    'fence',
    'fingerprint',
    'fingerprint_alg',
    'request_id',
    'request_payload',
    'natural_id',
    'lease_owner',
    `${d.ms('lease_expires_at')} AS lease_expires_at`,
    `${d.ms('expires_at')} AS expires_at`,
    `${d.ms('created_at')} AS created_at`,
    `${d.ms('updated_at')} AS updated_at`,
    `${d.ms('completed_at')} AS completed_at`,
    'outcome_ok',
    'outcome_status',
    'outcome_body',
    'outcome_headers',
    `${d.nowMs} AS db_now`,
  ].join(', ');
}

/** The event columns as the store reads them. */
export const eventColumns = (d: Dialect): string =>
  `id, key_id, scope, "procedure", kind, "key", type, ${d.ms('at')} AS at, request_id, fingerprint, payload, detail`;

export interface RequestRow {
  id: string;
  at: number | bigint;
  scope: string;
  procedure: string;
  kind: string;
  key: string;
  key_id: string | null;
  request_id: string | null;
  decision: string;
  reason: string | null;
  status: number | bigint | null;
  fingerprint: string | null;
  natural_id: string | null;
  route: string | null;
  user_agent: string | null;
  address: string | null;
  request: string | null;
  response: string | null;
  terms: string | readonly string[] | null;
  duration_ms: number | bigint | null;
}

/** The request-log columns as the store reads them. */
export const requestColumns = (d: Dialect): string =>
  `id, ${d.ms('at')} AS at, scope, "procedure", kind, "key", key_id, request_id, decision, reason, status,
   fingerprint, natural_id, route, user_agent, address, request, response, terms, duration_ms`;

/**
 * Terms as stored: a text array on PostgreSQL (GIN-indexed), and on SQLite one text with each term between line
 * feeds (a term holds no control character), so "has this term" is a substring test.
 */
export function termsText(terms: readonly string[]): string {
  return terms.length === 0 ? '' : `\n${terms.join('\n')}\n`;
}

const message = (text: string | null): LoggedMessage | null =>
  text === null ? null : (JSON.parse(text) as LoggedMessage);

export function toRequest(row: RequestRow): LoggedRequest {
  const terms =
    row.terms === null
      ? []
      : typeof row.terms === 'string'
        ? row.terms.split('\n').filter((t) => t !== '')
        : [...row.terms];
  return {
    id: row.id,
    at: num(row.at),
    scope: row.scope,
    procedure: row.procedure,
    kind: row.kind as KeyKind,
    key: row.key,
    keyId: row.key_id,
    requestId: row.request_id,
    decision: row.decision as RequestDecision,
    reason: row.reason,
    status: optNum(row.status),
    fingerprint: row.fingerprint,
    naturalId: row.natural_id,
    route: row.route,
    userAgent: row.user_agent,
    address: row.address,
    request: message(row.request),
    response: message(row.response),
    terms,
    durationMs: optNum(row.duration_ms),
  };
}
