import { describe, expect, it } from 'vitest';
import { safeReturn } from './return-path';

describe('the return path after signing in (D5)', () => {
  it('keeps same-site paths with their query', () => {
    expect(safeReturn('/keys?state=in_flight')).toBe('/keys?state=in_flight');
    expect(safeReturn('/keys/01a2')).toBe('/keys/01a2');
  });

  it('never leaves the site, however the path is disguised', () => {
    for (const from of [
      '//evil.example',
      'https://evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r\n/evil.example/x',
      'evil.example',
      '',
      null,
    ]) {
      expect(safeReturn(from)).toBe('/');
    }
  });
});
