import { describe, expect, it } from 'vitest';
import { crossOrigin } from './origin';

const request = (method: string, headers: Record<string, string>) => ({
  method,
  headers: new Headers(headers),
});

describe('cross-origin requests', () => {
  it('a post from another origin is refused; from this origin, or a read, is not', () => {
    const host = { host: 'dash.example:3000' };
    expect(crossOrigin(request('POST', { ...host, origin: 'https://evil.example' }))).toBe(true);
    expect(crossOrigin(request('POST', { ...host, origin: 'null' }))).toBe(true);
    expect(crossOrigin(request('POST', { ...host, referer: 'https://evil.example/x' }))).toBe(true);
    expect(crossOrigin(request('POST', { ...host, origin: 'http://dash.example:3000' }))).toBe(false);
    expect(crossOrigin(request('POST', host))).toBe(false);
    expect(crossOrigin(request('GET', { ...host, origin: 'https://evil.example' }))).toBe(false);
    // Behind a proxy that forwards the host it was asked for.
    expect(
      crossOrigin(
        request('POST', {
          host: '127.0.0.1:3000',
          'x-forwarded-host': 'dash.example',
          origin: 'https://dash.example',
        }),
      ),
    ).toBe(false);
  });
});
