// How times, durations and names read on screen. Pure functions, used by server and client components alike.
// Absolute times are shown in UTC with the zone named, so that staff in any zone, the API's logs and the
// customer's report all line up; relative times are computed from the store's clock, not the browser's.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-27 13:54:50 UTC` */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())} UTC`;
}

/** `13:54:50.123`, for events close together. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** `1 d 2 h`, `3 h 4 min`, `5 min 6 s`, `7 s`, `120 ms`: the two largest units. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.floor(abs);
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) {
      if (n > 0) parts.push(`${n} ${name}`);
      rest -= n * size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ') || '0 s';
}

/** `5 min ago` or `in 5 min`, relative to `now`. */
export function formatRelative(ms: number, now: number): string {
  const delta = ms - now;
  if (Math.abs(delta) < 1000) return 'just now';
  return delta < 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(delta)}`;
}

/** `12.5 %` */
export const formatRate = (rate: number): string =>
  `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)} %`;

/** What each key state means, for badges and filters. */
export const STATE_LABELS = {
  in_flight: 'In flight',
  completed: 'Completed',
  failed: 'Failed',
  expired: 'Expired',
} as const;

/** What was decided for a request, as staff read it. */
export const DECISION_LABELS: Record<string, string> = {
  first_call: 'First call',
  replay: 'Replay',
  conflict: 'Conflict',
  in_flight: 'In flight',
  refused: 'Refused',
  duplicate: 'Duplicate',
  unprotected: 'No key',
};

/** One line on what a request's decision meant for the client. */
export function decisionMeaning(decision: string, reason: string | null, status: number | null): string {
  const answered = status === null ? '' : ` The client got ${status}.`;
  switch (decision) {
    case 'first_call':
      return reason === 'lease_expired'
        ? `Ran again: the previous holder's lease had ended, so this request took the key over.${answered}`
        : reason === 'key_expired'
          ? `Ran: the key had expired, so it counted as new.${answered}`
          : reason === 'payload_changed'
            ? `Ran again: the same natural id came with new data, and this policy updates.${answered}`
            : `Ran: the first request under this key.${answered}`;
    case 'replay':
      return reason === 'payload_differed'
        ? `Answered from the stored outcome: the natural id was known (its data differed; this policy answers the existing one).${answered}`
        : `Answered from the stored outcome without running again (same key, same payload).${answered}`;
    case 'conflict':
      return `Refused: the key was already used with a different payload. Nothing ran.${answered}`;
    case 'in_flight':
      return reason === 'serialized'
        ? `Refused after waiting its turn: the first request with this key had finished; duplicates are processed one after the other and refused.${answered}`
        : `Refused: the first request with this key was still running. Nothing ran twice.${answered}`;
    case 'refused':
      return `Refused before any key was recorded: ${reason ?? 'a bad or missing key'}.${answered}`;
    case 'duplicate':
      return `Refused as a duplicate: another key already created this (${reason ?? 'unique value taken'}). Nothing ran.${answered}`;
    case 'unprotected':
      return `Ran without an idempotency key (this route allows that): a retry would run again.${answered}`;
    default:
      return answered.trim();
  }
}

/** What each event type means, as staff read a timeline. */
export const EVENT_LABELS: Record<string, string> = {
  begin: 'First call',
  takeover: 'Lease takeover',
  replay: 'Replay',
  conflict: 'Conflict',
  in_flight: 'In-flight refusal',
  complete: 'Completion',
  abandon: 'Abandoned',
  lease_lost: 'Lease lost',
  release: 'Released by staff',
  void: 'Voided by staff',
  refused: 'Refused before recording (bad or missing key)',
  purge: 'Purge',
  natural_duplicate: 'Natural duplicate',
};

/** The kind of a natural duplicate, from its event type and the kind of key it happened to. */
export function naturalKind(type: string, kind: string): string {
  if (type === 'natural_duplicate') return 'Duplicate under another key';
  if (kind === 'unique') return type === 'conflict' ? 'Unique value taken' : 'Unique value seen again';
  if (type === 'replay') return 'Recognised natural id';
  return 'Natural id with other data';
}

/** A window of time by name, for the overview and the views that count over a window. */
export const WINDOWS = {
  '1h': { label: 'Last hour', windowMs: 3_600_000, bucketMs: 300_000 },
  '6h': { label: 'Last 6 hours', windowMs: 6 * 3_600_000, bucketMs: 900_000 },
  '24h': { label: 'Last 24 hours', windowMs: 24 * 3_600_000, bucketMs: 3_600_000 },
  '7d': { label: 'Last 7 days', windowMs: 7 * 24 * 3_600_000, bucketMs: 6 * 3_600_000 },
} as const;
export type WindowName = keyof typeof WINDOWS;

/** The window a URL names (`?window=6h`), 24 hours by default. */
export function windowOf(asked: unknown): WindowName {
  return typeof asked === 'string' && asked in WINDOWS ? (asked as WindowName) : '24h';
}

/** A link to a key's story: by record id when the event names one, else by identity. */
export function storyHref(target: {
  keyId?: string | null;
  scope: string;
  procedure: string;
  kind?: string;
  key: string;
}): string {
  if (target.keyId) return `/keys/${encodeURIComponent(target.keyId)}`;
  const q = new URLSearchParams({
    scope: target.scope,
    procedure: target.procedure,
    kind: target.kind ?? 'key',
    key: target.key,
  });
  return `/keys/lookup?${q.toString()}`;
}
