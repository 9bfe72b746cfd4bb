import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which database a URL points at. */
export type Provider = 'sqlite' | 'postgresql';

/** A resolved database: its provider, the URL as given, and for SQLite the absolute file path. */
export type DatabaseTarget =
  | { provider: 'sqlite'; url: string; file: string }
  | { provider: 'postgresql'; url: string };

/** The repository root. apps/api/src/db → ../../../.. */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The demo API's folder: where its `prisma/` lives. */
const appRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The embedded default: a SQLite file under the repository's `.data/` folder. */
export const defaultSqliteFile: string = join(repoRoot, '.data', 'idem.db');

/**
 * Decides the provider from a URL. `postgres://` and `postgresql://` select PostgreSQL; `file:` (or nothing)
 * selects SQLite. A relative `file:` path is taken from the current directory, as Prisma does.
 *
 * @example
 * resolveTarget('postgres://postgres@127.0.0.1:5432/test') // { provider: 'postgresql', … }
 * resolveTarget(undefined) // { provider: 'sqlite', file: '<repo>/.data/idem.db', … }
 */
export function resolveTarget(url: string | undefined = process.env.DATABASE_URL): DatabaseTarget {
  if (url === undefined || url.trim() === '') {
    return { provider: 'sqlite', url: `file:${defaultSqliteFile}`, file: defaultSqliteFile };
  }
  if (/^postgres(ql)?:\/\//i.test(url)) return { provider: 'postgresql', url };
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    const file = isAbsolute(path) ? path : resolve(process.cwd(), path);
    return { provider: 'sqlite', url: `file:${file}`, file };
  }
  throw new Error(
    `DATABASE_URL must start with postgres://, postgresql:// or file: (got "${url.replace(/\/\/[^@]*@/, '//***@')}")`,
  );
}

/** The folder holding one provider's committed SQL migrations. */
export function migrationsDir(provider: Provider): string {
  const dir = join(appRoot, 'prisma', provider === 'sqlite' ? 'sqlite' : 'postgres', 'migrations');
  if (!existsSync(dir)) throw new Error(`migrations folder not found: ${dir}`);
  return dir;
}
