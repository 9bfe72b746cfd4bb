// Option values checked as commander parses them: a bad one is a usage error naming the option, before anything
// is sent. Bounds are the admin router's, so the API never has to refuse what the CLI let through.
import { InvalidArgumentError } from 'commander';
import { formatDuration, parseDuration, parseTime } from './time.ts';

/** An integer from `min` to `max`. */
export const integerIn =
  (min: number, max: number) =>
  (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };

/** A duration from `min` to `max` ms (the overview's window, say). */
export const durationIn =
  (min: number, max: number) =>
  (text: string): number => {
    const ms = parseDuration(text);
    if (ms < min || ms > max)
      throw new InvalidArgumentError(
        `expected a duration from ${formatDuration(min)} to ${formatDuration(max)}.`,
      );
    return ms;
  };

/** A point in time, ms since the epoch. */
export const time = (text: string): number => parseTime(text);

/** Text that must not be blank (an empty filter would silently match everything). */
export const nonBlank = (text: string): string => {
  if (text.trim() === '') throw new InvalidArgumentError('expected a value, not an empty text.');
  return text;
};
