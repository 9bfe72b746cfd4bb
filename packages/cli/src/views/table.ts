// Tables as the CLI prints them: borderless columns with a header, like `kubectl get` or `ps`, so a row is one
// line that grep, cut and awk can take apart. Colours come from the caller's picocolors, never from cli-table3's
// own (it would colour pipes and ignore NO_COLOR).
import Table from 'cli-table3';
import type { Colors } from '../output.ts';

type Cell = string | number | null | undefined;

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/**
 * @example
 * table(['Key', 'State'], [['order-1', 'completed']], c);
 */
export function table(head: readonly string[] | null, rows: readonly (readonly Cell[])[], c: Colors): string {
  const t = new Table({
    ...(head === null ? {} : { head: head.map((h) => c.bold(h)) }),
    chars: BORDERLESS,
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
  });
  for (const row of rows) t.push(row.map((cell) => (cell === null || cell === undefined ? '' : cell)));
  // cli-table3 pads the last column too: trailing spaces are noise in a terminal and in diffs of output.
  return t
    .toString()
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n');
}

/** Label–value lines, labels dimmed and aligned: the head of a key's story, say. */
export function fields(pairs: readonly (readonly [string, string])[], c: Colors, indent = '  '): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${indent}${c.dim(label.padEnd(width))}  ${value}`);
}

/** Text indented by `indent`, line by line. */
export const indented = (text: string, indent = '  '): string =>
  text
    .split('\n')
    .map((line) => indent + line)
    .join('\n');

/** At most `max` characters, with an ellipsis when cut. */
export const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
