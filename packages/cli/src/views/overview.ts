// The overview (D4) for a terminal: what happened in the window, what needs attention now, and the window's
// shape as sparklines (the dashboard draws charts; a terminal gets one line per series).
import type { KeyStats } from '@idem/core/admin';
import type { Colors } from '../output.ts';
import { formatDuration, formatTime } from '../time.ts';
import { table } from './table.ts';

const BARS = '▁▂▃▄▅▆▇█';
/** Wider than this, buckets are summed in groups, so a line fits an 80-column terminal. */
const SPARK_WIDTH = 48;

/** One character per bucket (or group of buckets), scaled to the largest; a blank series stays flat. */
export function sparkline(values: readonly number[], width = SPARK_WIDTH): string {
  const group = Math.max(1, Math.ceil(values.length / width));
  const sums: number[] = [];
  for (let i = 0; i < values.length; i += group)
    sums.push(values.slice(i, i + group).reduce((a, b) => a + b, 0));
  const max = Math.max(0, ...sums);
  return sums.map((v) => (max === 0 ? BARS[0] : BARS[Math.round((v / max) * (BARS.length - 1))])).join('');
}

const percent = (rate: number): string => `${(rate * 100).toFixed(1)} %`;

/** The window the admin API counts over when asked for none. */
export const DEFAULT_WINDOW_MS = 24 * 3_600_000;

/** `windowMs`: the window asked for (the first bucket starts on a bucket boundary, so `from` is a little earlier). */
export function overviewLines(stats: KeyStats, windowMs: number, c: Colors): string[] {
  const t = stats.totals;
  const series = (name: 'begin' | 'replay' | 'conflict' | 'inFlight') =>
    sparkline(stats.buckets.map((b) => b[name]));
  return [
    `${c.bold(`Last ${formatDuration(windowMs)}`)} ${c.dim(`(${formatTime(stats.now - windowMs)} to ${formatTime(stats.now)} UTC, ${formatDuration(stats.bucketMs)} buckets)`)}`,
    table(
      null,
      [
        ['  first runs', t.begin, series('begin')],
        ['  replays', t.replay, `${series('replay')}  ${percent(stats.replayRate)} of keyed requests`],
        ['  conflicts', t.conflict, `${series('conflict')}  ${percent(stats.conflictRate)}`],
        ['  in-flight refusals', t.inFlight, series('inFlight')],
        ['  takeovers', t.takeover, ''],
      ],
      c,
    ),
    '',
    c.bold('Now'),
    table(
      null,
      [
        [
          '  in flight',
          stats.inFlightNow,
          stats.stuckNow > 0
            ? c.yellow(`${stats.stuckNow} stuck (lease ended): idem keys find --state in_flight`)
            : '',
        ],
        ['  expiring within an hour', stats.expiringWithinHour, ''],
        ['  expired', stats.expiredNow, stats.expiredNow > 0 ? c.yellow('idem purge removes them') : ''],
      ],
      c,
    ),
  ];
}
