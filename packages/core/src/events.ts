// What happened to keys, for support staff (D2–D8). The engine records an event for every begin, takeover,
// replay, conflict, in-flight refusal, refusal of a bad key, completion, abandon, lost lease, release, void and
// purge; the edge adds natural duplicates (N5).
import type { KeyKind } from './record.ts';

export const EVENT_TYPES = [
  'begin',
  'takeover',
  'replay',
  'conflict',
  'in_flight',
  'refused',
  'complete',
  'abandon',
  'lease_lost',
  'release',
  'void',
  'purge',
  'natural_duplicate',
] as const;

export type IdemEventType = (typeof EVENT_TYPES)[number];

/** A small JSON object of facts: status, fence, reason, counts. Never a payload (that has its own field). */
export type EventDetail = Readonly<Record<string, string | number | boolean | null>>;

export interface IdemEvent {
  /** UUIDv7: sorts by creation time. */
  readonly id: string;
  readonly keyId: string | null;
  readonly scope: string;
  readonly procedure: string;
  readonly kind: KeyKind;
  readonly key: string;
  readonly type: IdemEventType;
  /** Milliseconds since the epoch on the store's clock. */
  readonly at: number;
  readonly requestId: string | null;
  readonly fingerprint: string | null;
  /** Redacted, bounded canonical payload: for a conflict, the conflicting request. */
  readonly payload: string | null;
  readonly detail: EventDetail | null;
}

/** Filters for listing events; every field optional, newest first. */
export interface EventQuery {
  readonly scope?: string;
  readonly procedure?: string;
  readonly kind?: KeyKind;
  readonly key?: string;
  readonly types?: readonly IdemEventType[];
  /** Only events strictly older than this event id (cursor paging). */
  readonly before?: string;
  readonly limit?: number;
}
