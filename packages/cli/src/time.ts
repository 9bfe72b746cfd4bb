// Times and durations as the CLI reads and writes them. Shown times are UTC, like the dashboard's; durations
// are measured against the store's clock (`now` in every answer), never this machine's, which may drift.
import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * A duration: a number and a unit (s, m, h, d, w), as in `90s`, `15m`, `24h`, `7d`.
 *
 * @example
 * parseDuration('15m'); // 900000
 */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  if (!match) throw new InvalidArgumentError('expected a duration such as 90s, 15m, 24h or 7d.');
  return Math.round(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}

/**
 * A point in time: an ISO date or date-time (UTC unless it names a zone), or a duration ago (`2h` is two hours
 * before now).
 *
 * @example
 * parseTime('2026-11-29T10:00:00Z'); parseTime('2026-11-29'); parseTime('30m');
 */
export function parseTime(text: string, now: number = Date.now()): number {
  if (/^\s*\d+(?:\.\d+)?\s*[smhdw]\s*$/i.test(text)) return now - parseDuration(text);
  const trimmed = text.trim();
  // A date-time without a zone is UTC, as every time the CLI prints is.
  const utc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(trimmed) ? `${trimmed}Z` : trimmed;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(utc) ? Date.parse(utc) : Number.NaN;
  if (Number.isNaN(ms))
    throw new InvalidArgumentError(
      'expected an ISO date or time (2026-11-29, 2026-11-29T10:00Z) or a duration ago (2h).',
    );
  return ms;
}

/** `2026-11-29 10:00:00` (UTC). */
export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '');
}

/** `3 h 12 min`, `45 s`, `120 ms`, `7 d 2 h`: the two largest units. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  // Days only from two on: "24 h" reads better than "1 d", and "36 h" than "1 d 12 h".
  const days = abs >= 2 * 86_400_000 ? Math.floor(abs / 86_400_000) : 0;
  const parts: [number, string][] = [
    [days, 'd'],
    [Math.floor(abs / 3_600_000) - days * 24, 'h'],
    [Math.floor(abs / 60_000) % 60, 'min'],
    [Math.floor(abs / 1000) % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

/** `in 5 min` or `5 min ago`, relative to the store's `now`. */
export function relative(ms: number, now: number): string {
  return ms >= now ? `in ${formatDuration(ms - now)}` : `${formatDuration(now - ms)} ago`;
}
