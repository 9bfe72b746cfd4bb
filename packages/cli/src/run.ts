// One run of the CLI: parse, do the work, and turn whatever went wrong into one line on stderr and an exit code
// (README, "Exit codes"). No failure prints a stack trace; IDEM_DEBUG=1 adds one to an unexpected error only.
import { CommanderError } from 'commander';
import { CliError, EXIT_CODES } from './cli-error.ts';
import { type Env, readEnv } from './env.ts';
import type { OutStream } from './output.ts';
import { buildProgram } from './program.ts';

export interface RunIo {
  stdout: OutStream;
  stderr: OutStream;
  env: Env;
  cwd: string;
}

/** Commander's own outcomes that are not failures: help and version asked for. */
const DONE = new Set(['commander.helpDisplayed', 'commander.version']);

function cliErrorOf(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof CommanderError) {
    // "error: unknown option '--jsno'\n(Did you mean --json?)" → one line, without commander's prefix.
    const message = error.message
      .replace(/^error:\s*/i, '')
      .replace(/\s*\n\s*/g, ' ')
      .trim();
    return new CliError(
      'usage',
      message === '(outputHelp)' ? 'no command given; the commands are listed above' : message,
      {
        cause: error,
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError('failed', `unexpected error: ${message.split('\n')[0]}`, { cause: error });
}

/**
 * Runs the CLI on `argv` (without node and the script) and returns the exit code; never throws.
 *
 * @example
 * process.exitCode = await run(process.argv.slice(2), { ...process, env: process.env, cwd: process.cwd() });
 */
export async function run(argv: readonly string[], io: RunIo): Promise<number> {
  const env = readEnv(io.env);
  try {
    await buildProgram({ stdout: io.stdout, stderr: io.stderr, env, cwd: io.cwd }).parseAsync([...argv], {
      from: 'user',
    });
    return EXIT_CODES.ok;
  } catch (thrown) {
    if (thrown instanceof CommanderError && DONE.has(thrown.code)) return EXIT_CODES.ok;
    const error = cliErrorOf(thrown);
    // Scripts that asked for JSON get the failure as JSON too, still one line.
    if (argv.includes('--json'))
      io.stderr.write(
        `${JSON.stringify({ error: { code: error.code, exitCode: error.exitCode, message: error.message } })}\n`,
      );
    else io.stderr.write(`idem: ${error.message}\n`);
    if (env.debug && error.code === 'failed' && error.cause instanceof Error && error.cause.stack)
      io.stderr.write(`${error.cause.stack}\n`);
    return error.exitCode;
  }
}
