import { describe, expect, it } from 'vitest';
import { csrfToken, decodeSession, encodeSession, type Session, validCsrf } from './session';

// The demo logins are the configured users here (vitest.config.ts runs the dashboard's tests in demo mode).
const session: Session = { user: 'support', role: 'support', sid: 'sid-1', exp: Date.now() + 60_000 };

describe('staff sessions (D5)', () => {
  it('round-trips a signed session', () => {
    expect(decodeSession(encodeSession(session))).toEqual(session);
  });

  it('refuses a cookie whose payload was changed, e.g. to claim the admin role', () => {
    const [, signature] = encodeSession(session).split('.');
    const forged = Buffer.from(JSON.stringify({ ...session, role: 'admin' })).toString('base64url');
    expect(decodeSession(`${forged}.${signature}`)).toBeNull();
    expect(decodeSession('garbage')).toBeNull();
    expect(decodeSession(undefined)).toBeNull();
  });

  it('refuses an expired session', () => {
    const cookie = encodeSession({ ...session, exp: 1_000 });
    expect(decodeSession(cookie, 2_000)).toBeNull();
  });

  it('binds the CSRF token to the sign-in', () => {
    const form = new FormData();
    form.set('csrf', csrfToken(session));
    expect(validCsrf(session, form)).toBe(true);
    expect(validCsrf({ ...session, sid: 'sid-2' }, form)).toBe(false);
    expect(validCsrf(session, new FormData())).toBe(false);
  });

  it('refuses a genuinely signed session whose user is not configured, or not with that role', () => {
    expect(decodeSession(encodeSession({ ...session, user: 'nobody' }))).toBeNull();
    expect(decodeSession(encodeSession({ ...session, role: 'admin' }))).toBeNull();
    expect(decodeSession(encodeSession({ ...session, user: 'admin', role: 'admin' }))).not.toBeNull();
  });
});
