// What went wrong with a call to the admin API, in one line a person can act on. The HTTP status decides (the
// admin router refuses with 401, 403, 404, 409 and 501, whatever error formatter the host app has); without one
// the API never answered, and the network error says why.
import { TRPCClientError } from '@trpc/client';
import { CliError } from './cli-error.ts';
import type { Connection } from './connection.ts';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Why the request never got an answer: the first network error code or timeout along the error's causes (fetch
 * wraps them: TypeError "fetch failed" → cause), or the innermost cause of a failed fetch ("bad port").
 */
function networkReason(error: unknown): string | undefined {
  let fetchFailed = false;
  let innermost: unknown;
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 6; depth++) {
    const { code, name, errors, cause, message } = e as {
      code?: unknown;
      name?: unknown;
      errors?: unknown;
      cause?: unknown;
      message?: unknown;
    };
    if (name === 'TimeoutError') return 'no answer within the timeout';
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    if (Array.isArray(errors)) {
      const inner = errors.map(networkReason).find((r) => r !== undefined);
      if (inner !== undefined) return inner;
    }
    if (e instanceof TypeError && message === 'fetch failed') fetchFailed = true;
    innermost = e;
    e = cause;
  }
  return fetchFailed && innermost instanceof Error ? innermost.message : undefined;
}

/** A validation refusal's message is Zod's issue list as JSON: its first issue, readably. */
function firstIssue(message: string): string {
  try {
    const issues = JSON.parse(message) as { message?: string; path?: (string | number)[] }[];
    const issue = Array.isArray(issues) ? issues[0] : undefined;
    if (issue?.message)
      return issue.path?.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
  } catch {
    // Not an issue list: the message is the reason.
  }
  return message;
}

/**
 * @example
 * await client.whoami.query().catch((e) => { throw apiFailure(e, connection) });
 */
export function apiFailure(error: unknown, connection: Connection): CliError {
  if (error instanceof CliError) return error;
  const where = `the admin API at ${connection.url}`;
  if (!(error instanceof TRPCClientError))
    return new CliError('failed', error instanceof Error ? error.message : String(error), { cause: error });

  const status = (error.data as { httpStatus?: unknown } | null | undefined)?.httpStatus;
  const message = error.message;
  if (typeof status !== 'number') {
    const reason = networkReason(error);
    if (reason !== undefined)
      return new CliError('unreachable', `cannot reach ${where} (${reason})`, { cause: error });
    if (/unable to transform response/i.test(message))
      return new CliError(
        'usage',
        `${where} answers with another transformer than --transformer ${connection.transformer}: set IDEM_ADMIN_TRANSFORMER or --transformer to ${connection.transformer === 'superjson' ? 'none' : 'superjson'}`,
        { cause: error },
      );
    return new CliError(
      'unreachable',
      `${where} did not answer as a tRPC API (${message}); is it the app's tRPC endpoint?`,
      { cause: error },
    );
  }
  switch (status) {
    case 401:
      return new CliError(
        'unauthorized',
        `${where} refused the credentials (${message}); check IDEM_ADMIN_TOKEN or --token`,
        { cause: error },
      );
    case 403:
      return new CliError(
        'forbidden',
        `${message} (acting as ${connection.actor}, role ${connection.role})`,
        {
          cause: error,
        },
      );
    case 404:
      if (/no procedure found/i.test(message))
        return new CliError(
          'unreachable',
          `no admin router at path "${connection.path}" on ${connection.url}; set IDEM_ADMIN_PATH or --path to where the app mounted it`,
          { cause: error },
        );
      return new CliError('not_found', message, { cause: error });
    case 409:
      return new CliError('refused', message, { cause: error });
    case 400:
    case 415:
      // A host whose transformer differs reads the CLI's input as something else and refuses it.
      return new CliError(
        'usage',
        `${where} refused the request: ${firstIssue(message)} (if the app has no transformer, use --transformer none)`,
        { cause: error },
      );
    default:
      return new CliError('failed', `${where} answered ${status}: ${message}`, { cause: error });
  }
}

/** Whether the admin API answered that no such key exists (not that the router itself is missing). */
export function isKeyNotFound(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const status = (error.data as { httpStatus?: unknown } | null | undefined)?.httpStatus;
  return status === 404 && !/no procedure found/i.test(error.message);
}
