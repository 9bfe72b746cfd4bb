import { describe, expect, it } from 'vitest';
// The bin's half: plain JavaScript, run by node as it is published.
import { clientAddress } from '../bin/client-address.mjs';
import { loginAddress } from './client-address';

const request = (remoteAddress: string, headers: Record<string, string | string[]> = {}) => ({
  socket: { remoteAddress },
  headers,
});

describe('the address the login throttle counts', () => {
  it("is the connection's, whatever X-Forwarded-For or x-idem-client-address a client wrote", () => {
    const req = request('::ffff:203.0.113.7', {
      'x-forwarded-for': '198.51.100.1',
      'x-idem-client-address': '198.51.100.2',
    });
    expect(clientAddress(req)).toBe('203.0.113.7');
    expect(clientAddress(request('2001:db8::1'))).toBe('2001:db8::1');
  });

  it('behind a trusted proxy, is the hop that proxy appended, never one the client wrote before it', () => {
    const req = request('10.0.0.2', { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' });
    expect(clientAddress(req, { trustProxy: true })).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.2'), { trustProxy: true })).toBe('10.0.0.2');
  });

  it('is read from the header only when the dashboard runs behind its own server, which sets it', () => {
    const headers = new Headers({
      'x-idem-client-address': '203.0.113.7',
      'x-forwarded-for': '1.1.1.1, 10.0.0.9',
    });
    expect(loginAddress((n) => headers.get(n), true)).toBe('203.0.113.7');
    // Without it, a client-written x-idem-client-address counts for nothing.
    expect(loginAddress((n) => headers.get(n), false)).toBe('10.0.0.9');
    expect(loginAddress(() => null, false)).toBe('unknown');
  });
});
