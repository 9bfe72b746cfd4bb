import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.ts';
import { databaseTarget, describeTarget, redactUrl } from './database-url.ts';

describe('database URLs', () => {
  it('tells PostgreSQL from SQLite the way apps write their URLs', () => {
    expect(databaseTarget('postgres://app@db:5432/app', '/srv')).toEqual({
      dialect: 'postgresql',
      url: 'postgres://app@db:5432/app',
    });
    expect(databaseTarget('postgresql://app@db/app?sslmode=require', '/srv').dialect).toBe('postgresql');
    expect(databaseTarget('file:./dev.db', '/srv/app')).toEqual({
      dialect: 'sqlite',
      file: '/srv/app/dev.db',
    });
    expect(databaseTarget('file:/var/lib/app.db?connection_limit=1', '/srv')).toEqual({
      dialect: 'sqlite',
      file: '/var/lib/app.db',
    });
    expect(databaseTarget('file:///var/lib/app.db', '/srv')).toEqual({
      dialect: 'sqlite',
      file: '/var/lib/app.db',
    });
    expect(databaseTarget('.data/idem.db', '/srv/app')).toEqual({
      dialect: 'sqlite',
      file: '/srv/app/.data/idem.db',
    });
    expect(databaseTarget('app.sqlite3', '/srv')).toEqual({ dialect: 'sqlite', file: '/srv/app.sqlite3' });
  });

  it('refuses what it cannot tell, as a usage error', () => {
    for (const url of ['mysql://root@db/app', 'redis://127.0.0.1', 'app.txt', 'file:']) {
      const error = (() => {
        try {
          databaseTarget(url, '/srv');
        } catch (e) {
          return e;
        }
      })();
      expect(error, url).toBeInstanceOf(CliError);
      expect((error as CliError).code).toBe('usage');
    }
  });

  it('never prints a password', () => {
    expect(redactUrl('postgres://app:s3cr3t@db/app')).toBe('postgres://app:***@db/app');
    expect(redactUrl('postgres://app@db/app')).toBe('postgres://app@db/app');
    expect(describeTarget({ dialect: 'postgresql', url: 'postgresql://u:p%40ss@h:5432/d' })).toBe(
      'postgresql://u:***@h:5432/d',
    );
  });
});
