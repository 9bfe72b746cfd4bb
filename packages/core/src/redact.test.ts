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

  it('finds secrets in free text without mistaking identifiers and dates for them', () => {
    const text = {
      note: 'Paid with 4111 1111 1111 1111, refund to DE89 3704 0044 0532 0130 00, SSN 123-45-6789.',
      iban: 'GB82WEST12345698765432',
      auth: 'see Bearer abc.def-123456',
    };
    expect(defaultRedactor(text)).toEqual({
      note: `Paid with ${REDACTED}, refund to ${REDACTED}, SSN ${REDACTED}.`,
      iban: REDACTED,
      auth: `see ${REDACTED}`,
    });
    // Few digits (ids, dates, prices) cannot be any of them: the value comes back untouched, not copied.
    const plain = { sku: 'sku-000123', at: '2026-11-27T10:00:00Z', price: '10.99', plan: 'the basic plan' };
    expect(defaultRedactor(plain)).toBe(plain);
  });

  it("copies a __proto__ field as data, never as the copy's prototype", () => {
    const parsed = JSON.parse('{"password": "p", "__proto__": {"admin": true}}') as Record<string, unknown>;
    const out = defaultRedactor(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(out.password).toBe(REDACTED);
  });

  it('leaves digit strings that are not card numbers alone', () => {
    expect(defaultRedactor({ order: '1234567890123' })).toEqual({ order: '1234567890123' });
    // Random ids hold long digit runs, and one in ten of those passes Luhn's check (this one does).
    const ids = {
      id: 'usage_01a2521ab0d970b3b602820147884863',
      ref: 'a4111111111111111',
      ssn: 'x123-45-6789',
    };
    expect(defaultRedactor(ids)).toEqual(ids);
  });

  it('is configurable', () => {
    const redact = createRedactor({ extraFields: ['iban'], mask: '***', cardNumbers: false });
    expect(redact({ IBAN: 'DE00', pan: '4242424242424242', password: 'x' })).toEqual({
      IBAN: '***',
      pan: '4242424242424242',
      password: '***',
    });
  });

  it('checks a value as JSON writes it (toJSON): secrets inside are masked, a clean Date stays as it is', () => {
    const at = new Date('2026-12-07T00:00:00Z');
    const card = { toJSON: () => ({ number: '4242 4242 4242 4242', password: 'hunter2' }) };
    const written = JSON.stringify(defaultRedactor({ at, card }));
    expect(written).not.toContain('4242');
    expect(written).not.toContain('hunter2');
    expect(JSON.parse(written).at).toBe('2026-12-07T00:00:00.000Z');
    const clean = { at, note: 'plain' };
    expect(defaultRedactor(clean)).toBe(clean);
  });

  it('bounds text by UTF-8 bytes and says how much was cut', () => {
    expect(boundText('short', 10)).toBe('short');
    const cut = boundText('é'.repeat(100), 11);
    expect(cut.startsWith('ééééé')).toBe(true);
    expect(cut).toMatch(/…\[truncated 190 bytes\]$/);
  });
});
