// What went wrong with a database, in one line a person can act on: unreachable, wrong credential, no such
// database, a schema newer than this CLI. The drivers' own errors (node-postgres, better-sqlite3) and idem's
// IdemError are told apart by their codes; only the few the drivers throw without one are known by message.
import { CliError } from './cli-error.ts';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

interface Coded {
  code?: unknown;
  message?: unknown;
  name?: unknown;
  errors?: unknown;
}

const fieldsOf = (error: unknown): Coded => (error !== null && typeof error === 'object' ? error : {});
const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);

/** The network error code of a failed connection (Node reports several addresses tried as an AggregateError). */
function networkCode(error: unknown): string | undefined {
  const { code, errors } = fieldsOf(error);
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  if (Array.isArray(errors)) return errors.map(networkCode).find((c) => c !== undefined);
  return undefined;
}

/**
 * @example
 * try { await migrate(pool) } catch (e) { throw databaseFailure(e, 'postgres://app@db/app') }
 */
export function databaseFailure(error: unknown, where: string): CliError {
  if (error instanceof CliError) return error;
  const { code, name } = fieldsOf(error);
  const message = messageOf(error);
  // IdemError, by name: the CLI and the app may load two copies of @idem/core, so instanceof could miss it.
  if (name === 'IdemError') {
    if (code === 'SCHEMA_TOO_NEW' || code === 'SCHEMA_MODIFIED')
      return new CliError('schema', `${where}: ${message}`, { cause: error });
    if (code === 'STORE_UNAVAILABLE')
      return new CliError('unreachable', `cannot reach the database at ${where}: ${message}`, {
        cause: error,
      });
    return new CliError('failed', `${where}: ${message}`, { cause: error });
  }
  const network = networkCode(error);
  if (network !== undefined)
    return new CliError('unreachable', `cannot reach the database at ${where} (${network})`, {
      cause: error,
    });
  if (/timeout exceeded when trying to connect|Connection terminated/i.test(message))
    return new CliError('unreachable', `cannot reach the database at ${where} (${message})`, {
      cause: error,
    });
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return postgresFailure(code, message, where, error);
  if (typeof code === 'string' && code.startsWith('SQLITE_'))
    return sqliteFailure(code, message, where, error);
  // better-sqlite3 throws a TypeError when the file's folder does not exist.
  if (/directory does not exist/i.test(message))
    return new CliError('unreachable', `cannot open the SQLite file ${where}: its folder does not exist`, {
      cause: error,
    });
  return new CliError('failed', `${where}: ${message}`, { cause: error });
}

/** PostgreSQL's SQLSTATE classes (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
function postgresFailure(sqlstate: string, message: string, where: string, cause: unknown): CliError {
  if (sqlstate.startsWith('28'))
    return new CliError('unauthorized', `the database at ${where} refused the credentials: ${message}`, {
      cause,
    });
  if (sqlstate === '3D000' || sqlstate.startsWith('08') || sqlstate === '57P03')
    return new CliError('unreachable', `cannot use the database at ${where}: ${message}`, { cause });
  if (sqlstate === '42501')
    return new CliError(
      'forbidden',
      `the database at ${where} refused: ${message} (the user lacks a privilege)`,
      {
        cause,
      },
    );
  return new CliError('failed', `the database at ${where} refused a statement: ${message} (${sqlstate})`, {
    cause,
  });
}

function sqliteFailure(code: string, message: string, where: string, cause: unknown): CliError {
  if (code.startsWith('SQLITE_CANTOPEN'))
    return new CliError('unreachable', `cannot open the SQLite file ${where}: ${message}`, { cause });
  if (code.startsWith('SQLITE_NOTADB'))
    return new CliError('failed', `${where} is not a SQLite database`, { cause });
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new CliError('failed', `${where} stayed locked by another process: ${message}`, { cause });
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH'))
    return new CliError('forbidden', `cannot write to ${where}: ${message}`, { cause });
  return new CliError('failed', `${where}: ${message} (${code})`, { cause });
}
