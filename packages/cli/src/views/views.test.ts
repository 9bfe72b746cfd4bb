import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { sparkline } from './overview.ts';
import { payloadDiff } from './payload-diff.ts';
import { table } from './table.ts';

const plain = pc.createColors(false);
const coloured = pc.createColors(true);

describe('views', () => {
  it('diffs two payloads line by line, marked without colour and coloured with it', () => {
    const original = '{\n  "amount": 10,\n  "currency": "EUR"\n}';
    const other = '{\n  "amount": 12,\n  "currency": "EUR"\n}';
    expect(payloadDiff(original, other, plain)).toEqual([
      '--- original request',
      '+++ conflicting request',
      '  {',
      '-   "amount": 10,',
      '+   "amount": 12,',
      '    "currency": "EUR"',
      '  }',
    ]);
    const lines = payloadDiff(original, other, coloured);
    expect(lines[3]).toBe(coloured.red('-   "amount": 10,'));
    expect(lines[4]).toBe(coloured.green('+   "amount": 12,'));
  });

  it('draws sparklines scaled to the largest value, summing buckets past the width', () => {
    expect(sparkline([0, 1, 2, 4])).toBe('▁▃▅█');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    expect(sparkline([1, 1, 0, 0, 2, 2], 3)).toBe('▅▁█');
  });

  it('prints borderless tables without trailing spaces', () => {
    expect(
      table(
        ['Key', 'State'],
        [
          ['order-1', 'completed'],
          ['a-much-longer-key', null],
        ],
        plain,
      ),
    ).toBe('Key                State\norder-1            completed\na-much-longer-key');
  });
});
