// Turns a line diff (the `diff` package) into rows of a side-by-side view: unchanged lines on both sides,
// a removed run paired line by line with the added run that replaces it, and blanks where one side has
// nothing. Pure, so it is easy to test and cheap to run on the server.
import { diffLines } from 'diff';

export interface DiffCell {
  /** Line number on its side, or null for a blank filler. */
  readonly line: number | null;
  readonly text: string;
  readonly kind: 'same' | 'removed' | 'added' | 'blank';
}

export interface DiffRow {
  readonly left: DiffCell;
  readonly right: DiffCell;
}

const split = (value: string): string[] => {
  const lines = value.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
};

const blank: DiffCell = { line: null, text: '', kind: 'blank' };

export function sideBySide(original: string, other: string): { rows: DiffRow[]; changed: number } {
  const changes = diffLines(original, other);
  const rows: DiffRow[] = [];
  let left = 1;
  let right = 1;
  let changed = 0;
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    if (!change.added && !change.removed) {
      for (const text of split(change.value)) {
        rows.push({
          left: { line: left++, text, kind: 'same' },
          right: { line: right++, text, kind: 'same' },
        });
      }
      continue;
    }
    // A removal directly followed by an addition is a replacement: show the two runs next to each other.
    const removed = change.removed ? split(change.value) : [];
    const next = changes[i + 1];
    const added = change.added ? split(change.value) : next?.added ? split(next.value) : [];
    if (change.removed && next?.added) i++;
    changed += Math.max(removed.length, added.length);
    for (let j = 0; j < Math.max(removed.length, added.length); j++) {
      rows.push({
        left: j < removed.length ? { line: left++, text: removed[j]!, kind: 'removed' } : blank,
        right: j < added.length ? { line: right++, text: added[j]!, kind: 'added' } : blank,
      });
    }
  }
  return { rows, changed };
}
