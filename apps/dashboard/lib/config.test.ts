import { describe, expect, it } from 'vitest';
import { loadConfig, parseUsers } from './config';
import { hashPassword } from './password';

const strong = { IDEM_ADMIN_TOKEN: 'a-long-admin-token-0123456789', IDEM_SESSION_SECRET: 's'.repeat(40) };

describe('dashboard configuration (D5)', () => {
  it('demo mode creates the admin and support logins, both with password demo', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('demo');
    expect(config.users.map((u) => [u.name, u.role, u.password])).toEqual([
      ['admin', 'admin', 'demo'],
      ['support', 'support', 'demo'],
    ]);
    expect(config.adminToken).toBe('demo-admin-token');
    expect(config.sessionSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('production refuses demo passwords, short passwords, the demo token and a missing secret', () => {
    const prod = { IDEM_MODE: 'production', ...strong };
    expect(() => loadConfig({ ...prod })).toThrow(/IDEM_DASHBOARD_USERS/);
    expect(() => loadConfig({ ...prod, IDEM_DASHBOARD_USERS: 'admin:admin:demo' })).toThrow(/demo passwords/);
    expect(() => loadConfig({ ...prod, IDEM_DASHBOARD_USERS: 'ann:admin:short' })).toThrow(/12 characters/);
    const users = 'ann:admin:correct-horse-battery,sam:support:staple-staple-staple';
    expect(() =>
      loadConfig({ ...prod, IDEM_DASHBOARD_USERS: users, IDEM_ADMIN_TOKEN: 'demo-admin-token' }),
    ).toThrow(/IDEM_ADMIN_TOKEN/);
    expect(() => loadConfig({ ...prod, IDEM_DASHBOARD_USERS: users, IDEM_SESSION_SECRET: 'short' })).toThrow(
      /IDEM_SESSION_SECRET/,
    );
    const config = loadConfig({ ...prod, IDEM_DASHBOARD_USERS: users });
    expect(config.users.map((u) => u.name)).toEqual(['ann', 'sam']);
    expect(config.users.some((u) => u.password === 'demo')).toBe(false);
    expect(config.secureCookies).toBe(true);
  });

  it('production takes scrypt hashes (the length rule was applied when hashing) and refuses malformed ones', async () => {
    const hash = await hashPassword('staple-staple-staple');
    const prod = { IDEM_MODE: 'production', ...strong };
    const config = loadConfig({ ...prod, IDEM_DASHBOARD_USERS: `ann:admin:${hash}` });
    expect(config.users).toEqual([{ name: 'ann', role: 'admin', password: hash }]);
    expect(() => loadConfig({ ...prod, IDEM_DASHBOARD_USERS: 'ann:admin:scrypt$1$2$3' })).toThrow(
      /scrypt hash of "ann" is malformed/,
    );
  });

  it('reads name:role:password entries, passwords may hold colons', () => {
    expect(parseUsers('ann:admin:a:b:c, sam:support:pw')).toEqual([
      { name: 'ann', role: 'admin', password: 'a:b:c' },
      { name: 'sam', role: 'support', password: 'pw' },
    ]);
    expect(() => parseUsers('ann:root:pw')).toThrow(/name:admin\|support:password/);
  });
});
