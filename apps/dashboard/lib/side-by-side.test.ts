import { describe, expect, it } from 'vitest';
import { sideBySide } from './side-by-side';

const original = '{\n  "amount": 100,\n  "currency": "EUR",\n  "note": "first"\n}';

describe('side-by-side diff (D2)', () => {
  it('pairs a changed line with its replacement and keeps the lines around it on both sides', () => {
    const other = '{\n  "amount": 250,\n  "currency": "EUR",\n  "note": "first"\n}';
    const { rows, changed } = sideBySide(original, other);
    expect(changed).toBe(1);
    expect(rows).toHaveLength(5);
    expect(rows[1]).toEqual({
      left: { line: 2, text: '  "amount": 100,', kind: 'removed' },
      right: { line: 2, text: '  "amount": 250,', kind: 'added' },
    });
    expect(rows.filter((r) => r.left.kind === 'same' && r.right.kind === 'same')).toHaveLength(4);
  });

  it('fills the shorter side with blanks when lines are only added or only removed', () => {
    const other = '{\n  "amount": 100,\n  "currency": "EUR",\n  "coupon": "X1",\n  "note": "first"\n}';
    const { rows } = sideBySide(original, other);
    const added = rows.filter((r) => r.right.kind === 'added');
    expect(added).toEqual([
      {
        left: { line: null, text: '', kind: 'blank' },
        right: { line: 4, text: '  "coupon": "X1",', kind: 'added' },
      },
    ]);
    expect(rows.at(-1)).toEqual({
      left: { line: 5, text: '}', kind: 'same' },
      right: { line: 6, text: '}', kind: 'same' },
    });
    const removed = sideBySide(other, original).rows.filter((r) => r.left.kind === 'removed');
    expect(removed.map((r) => r.right.kind)).toEqual(['blank']);
  });

  it('says nothing differs for the same text', () => {
    expect(sideBySide(original, original).changed).toBe(0);
  });
});
