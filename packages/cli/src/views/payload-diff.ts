// The difference between a key's original request and a conflicting one, line by line (D2). The admin API sends
// both as indented JSON with sorted keys, so a line diff shows exactly the fields that differ. Lines keep their
// - and + marks without colour, so the diff still reads in a pipe or a ticket.
import { diffLines } from 'diff';
import type { Colors } from '../output.ts';

/**
 * @example
 * payloadDiff('{\n  "amount": 10\n}', '{\n  "amount": 12\n}', c);
 * // ['--- original request', '+++ conflicting request', '  {', '-   "amount": 10', '+   "amount": 12', '  }']
 */
export function payloadDiff(
  original: string,
  other: string,
  c: Colors,
  otherLabel = 'conflicting request',
): string[] {
  const lines = [c.red('--- original request'), c.green(`+++ ${otherLabel}`)];
  for (const change of diffLines(original, other)) {
    const mark = change.added ? '+' : change.removed ? '-' : ' ';
    const paint = change.added ? c.green : change.removed ? c.red : c.dim;
    for (const line of change.value.replace(/\n$/, '').split('\n')) lines.push(paint(`${mark} ${line}`));
  }
  return lines;
}
