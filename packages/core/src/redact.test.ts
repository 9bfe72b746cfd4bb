import { describe, expect, it } from 'vitest';
import { boundText, createRedactor, defaultRedactor, REDACTED } from './redact.ts';

describe('redaction', () => {
  it('removes the default secrets: authorization, password, token, secret, api key, card number', () => {
    const input = {
      user: 'ann',
      Authorization: 'Bearer abc',
      password: 'hunter2',
      nested: { accessToken: 't', client_secret: 's', 'x-api-key': 'k', API_KEY: 'k2', cardNumber: '4242' },
      list: [{ refresh_token: 'r' }, 'plain'],
      pan: '4242 4242 4242 4242',
      header: 'Bearer xyz',
      amount: 4242424242424242,
    };
    expect(defaultRedactor(input)).toEqual({
      user: 'ann',
      Authorization: REDACTED,
      password: REDACTED,
      nested: {
        accessToken: REDACTED,
        client_secret: REDACTED,
        'x-api-key': REDACTED,
        API_KEY: REDACTED,
        cardNumber: REDACTED,
      },
      list: [{ refresh_token: REDACTED }, 'plain'],
      pan: REDACTED,
      header: REDACTED,
      amount: 4242424242424242,
    });
    expect(input.password).toBe('hunter2');
  });

  it('returns the value itself when there is nothing to hide, and copies only what changes', () => {
    const clean = { user: 'ann', items: [{ sku: 'a' }, { sku: 'b' }], nested: { n: 1 } };
    expect(defaultRedactor(clean)).toBe(clean);
    const mixed = { items: [{ sku: 'a' }, { sku: 'b', token: 't' }], nested: { n: 1 } };
    const out = defaultRedactor(mixed) as typeof mixed;
    expect(out).toEqual({ items: [{ sku: 'a' }, { sku: 'b', token: REDACTED }], nested: { n: 1 } });
    expect(out.nested).toBe(mixed.nested);
    expect(out.items[0]).toBe(mixed.items[0]);
    expect(mixed.items[1]!.token).toBe('t');
  });

  it('also catches kin of the defaults a review found stored in plain text', () => {
    const input = {
      pwd: 'p1',
      credentials: { user: 'u', key: 'k' },
      aws_access_key_id: 'AKIA',
      jwt: 'eyJ',
      header: 'Basic dXNlcjpwYXNz',
      card: 4242424242424242,
      pan: 4242424242424242,
      passenger: 'Ann',
      sessionCount: 3,
      amount: 4242424242424242,
    };
    expect(defaultRedactor(input)).toEqual({
      pwd: REDACTED,
      credentials: REDACTED,
      aws_access_key_id: REDACTED,
      jwt: REDACTED,
      header: REDACTED,
      card: REDACTED,
      pan: REDACTED,
      passenger: 'Ann',
      sessionCount: 3,
      amount: 4242424242424242,
    });
  });

  it('leaves digit strings that are not card numbers alone', () => {
    expect(defaultRedactor({ order: '1234567890123' })).toEqual({ order: '1234567890123' });
  });

  it('is configurable', () => {
    const redact = createRedactor({ extraFields: ['iban'], mask: '***', cardNumbers: false });
    expect(redact({ IBAN: 'DE00', pan: '4242424242424242', password: 'x' })).toEqual({
      IBAN: '***',
      pan: '4242424242424242',
      password: '***',
    });
  });

  it('bounds text by UTF-8 bytes and says how much was cut', () => {
    expect(boundText('short', 10)).toBe('short');
    const cut = boundText('é'.repeat(100), 11);
    expect(cut.startsWith('ééééé')).toBe(true);
    expect(cut).toMatch(/…\[truncated 190 bytes\]$/);
  });
});
