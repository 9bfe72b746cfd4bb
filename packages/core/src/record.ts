// The shape of a stored key and of a stored outcome, shared by the reducer, the engine and every store.

/** A stored outcome: what the first call answered, replayed byte for byte (K1, K2, K8). */
export interface Outcome {
  /** Whether the procedure succeeded (false for an error outcome, including 5xx). */
  readonly ok: boolean;
  /** The HTTP status the edge answered with. */
  readonly status: number;
  /** The serialised response body, exactly as first sent (JSON text, through the router's transformer). */
  readonly body: string;
  /** Response headers worth replaying (e.g. Location); never cookies or authentication. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

export type KeyStatus = 'in_flight' | 'completed';

/**
 * What a key is made of: a key the client chose (`key`, from a header or an explicit key function); a natural key
 * built from input fields (`natural`, e.g. `external_id`, N1–N4); or a claim that fields stay unique across a
 * caller's keys (`unique`, N5). Natural and unique keys are written `field=value&…` (URL-encoded, fields in
 * their declared order), so a key names the fields it was built from.
 */
export type KeyKind = 'key' | 'natural' | 'unique';

export const KEY_KINDS: readonly KeyKind[] = ['key', 'natural', 'unique'];

/** One idempotency key as stored. Times are milliseconds since the epoch, on the store's clock. */
export interface KeyRecord {
  readonly id: string;
  /** Whose key this is: the authenticated caller (K9). */
  readonly scope: string;
  /** Which operation: the procedure path (K9). */
  readonly procedure: string;
  readonly kind: KeyKind;
  readonly key: string;
  /** Name of the policy that made it. */
  readonly policy: string;
  readonly status: KeyStatus;
  /** Fencing token: bumped on every takeover; complete/abandon must present the current one (K11). */
  readonly fence: number;
  readonly fingerprint: string;
  readonly fingerprintAlg: string;
  readonly requestId: string | null;
  /** The canonical request with secrets redacted and size bounded, for support staff (D2). */
  readonly requestPayload: string | null;
  /** The values of a natural or unique key as the customer knows them (`ap-100024`), for search (D1). */
  readonly naturalId: string | null;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  /** When the key stops counting (K7); null for natural keys kept as long as their entity. */
  readonly expiresAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly completedAt: number | null;
  readonly outcome: Outcome | null;
}

/** Whether a key's retention has ended (K7): it then runs as a fresh request. */
export function isExpired(record: KeyRecord, now: number): boolean {
  return record.expiresAt !== null && record.expiresAt <= now;
}

/** Whether a key is held by a request whose lease is still running. */
export function isLeaseLive(record: KeyRecord, now: number): boolean {
  return record.status === 'in_flight' && record.leaseExpiresAt !== null && record.leaseExpiresAt > now;
}

/** Whether purgeExpired may delete the record: expired, and not held by a live lease. */
export function isPurgeable(record: KeyRecord, now: number): boolean {
  return isExpired(record, now) && !isLeaseLive(record, now);
}
