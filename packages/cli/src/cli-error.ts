// The CLI's one error class. Every failure a person or a script can meet ends as one of these codes, which decides
// the exit status (scripts switch on it) and is printed as one line, never as a stack trace.

/**
 * What went wrong, as a closed set of stable codes. Their exit statuses are part of the CLI's interface
 * (README, "Exit codes"): change them and scripts break.
 */
export const EXIT_CODES = {
  /** The command ran; nothing went wrong. */
  ok: 0,
  /** The API or database answered with an error of its own (a 5xx, a failed purge), or the CLI met a bug. */
  failed: 1,
  /** Bad arguments or configuration: an unknown option, a missing token, a key that names several keys. */
  usage: 2,
  /** The admin API or the database could not be reached, or is not where the configuration says. */
  unreachable: 3,
  /** The admin API or the database refused the credential. */
  unauthorized: 4,
  /** The credential was accepted, but the role may not do this (support staff acting). */
  forbidden: 5,
  /** No such key. */
  not_found: 6,
  /** The key's state refuses the action (releasing a key that is not in flight, voiding one that is). */
  refused: 7,
  /** The database's idem schema is newer than this CLI, or was modified: it is left untouched. */
  schema: 8,
} as const;

export type CliErrorCode = Exclude<keyof typeof EXIT_CODES, 'ok'>;

/**
 * A failure to report in one line.
 *
 * @example
 * throw new CliError('usage', 'no admin token: set IDEM_ADMIN_TOKEN or pass --token');
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}
