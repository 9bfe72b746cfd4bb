import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from './csv';

describe('CSV export', () => {
  it('D1: quotes commas, quotes and line breaks, and keeps formulas from running', () => {
    expect(csvLine(['a', 1, null, undefined])).toBe('a,1,,');
    expect(csvCell('x,y')).toBe('"x,y"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell(-1)).toBe("'-1");
  });
});
