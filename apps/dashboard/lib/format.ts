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
