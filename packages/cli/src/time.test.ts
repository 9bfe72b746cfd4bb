import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatTime, parseDuration, parseTime, relative } from './time.ts';

describe('time', () => {
  it('reads durations with a unit', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(() => parseDuration('15')).toThrow(InvalidArgumentError);
    expect(() => parseDuration('soon')).toThrow(InvalidArgumentError);
  });

  it('reads a time as UTC unless it names a zone, or as a duration ago', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(parseTime('2h', now)).toBe(Date.parse('2026-11-29T10:00:00Z'));
    expect(parseTime('2026-11-29', now)).toBe(Date.parse('2026-11-29T00:00:00Z'));
    expect(parseTime('2026-11-29T10:30', now)).toBe(Date.parse('2026-11-29T10:30:00Z'));
    expect(parseTime('2026-11-29T10:30:00+02:00', now)).toBe(Date.parse('2026-11-29T08:30:00Z'));
    expect(() => parseTime('yesterday', now)).toThrow(InvalidArgumentError);
    expect(() => parseTime('1700000000000', now)).toThrow(InvalidArgumentError);
  });

  it('writes times in UTC and durations in their two largest units', () => {
    expect(formatTime(Date.parse('2026-11-29T10:00:05.123Z'))).toBe('2026-11-29 10:00:05');
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(3 * 3_600_000 + 12 * 60_000 + 5_000)).toBe('3 h 12 min');
    expect(formatDuration(24 * 3_600_000)).toBe('24 h');
    expect(formatDuration(36 * 3_600_000)).toBe('36 h');
    expect(formatDuration(7 * 86_400_000 + 2 * 3_600_000)).toBe('7 d 2 h');
    expect(relative(1_000 + 60_000, 1_000)).toBe('in 1 min');
    expect(relative(1_000, 1_000 + 60_000)).toBe('1 min ago');
  });
});
