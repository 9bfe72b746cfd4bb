// Which database `idem migrate` talks to, told from its URL the way apps write it: postgres:// or postgresql://
// for PostgreSQL; Prisma's file:./dev.db, a file:/// URL, or a bare path ending in .db for SQLite.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './cli-error.ts';

export type DatabaseTarget =
  | { readonly dialect: 'postgresql'; readonly url: string }
  | { readonly dialect: 'sqlite'; readonly file: string };

const SQLITE_FILE = /\.(db|db3|sqlite|sqlite3)$/i;

/**
 * @example
 * databaseTarget('file:./dev.db', '/srv/app'); // { dialect: 'sqlite', file: '/srv/app/dev.db' }
 */
export function databaseTarget(url: string, cwd: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new CliError('usage', `the database URL "${redactUrl(url)}" is not a valid URL`);
    }
    return { dialect: 'postgresql', url };
  }
  if (/^file:/i.test(url)) {
    // file:///abs/path is a URL; Prisma's file:./dev.db and file:/abs/path are paths after the scheme.
    const path = url.startsWith('file://')
      ? fileURLToPath(url.replace(/\?.*$/, ''))
      : url.slice('file:'.length).replace(/\?.*$/, '');
    if (path === '') throw new CliError('usage', 'the database URL "file:" names no file');
    return { dialect: 'sqlite', file: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (!url.includes('://') && SQLITE_FILE.test(url)) return { dialect: 'sqlite', file: resolve(cwd, url) };
  throw new CliError(
    'usage',
    `cannot tell the database from "${redactUrl(url)}": use postgres://…, postgresql://…, file:/path/to.db or a path ending in .db`,
  );
}

/** A URL safe to print: the password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** How the target is named in messages. */
export function describeTarget(target: DatabaseTarget): string {
  return target.dialect === 'postgresql' ? redactUrl(target.url) : target.file;
}
