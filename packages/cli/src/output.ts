// Where a command's results go. People get text on stdout, coloured only on a terminal (NO_COLOR and FORCE_COLOR
// respected); scripts get one JSON document with --json, never colours or a progress bar. Errors and progress
// go to stderr, so stdout stays the result and nothing else.
import pc from 'picocolors';
import type { CliEnv } from './env.ts';

/** The colour functions text is written with; all identity when colours are off. */
export type Colors = ReturnType<typeof pc.createColors>;

/** A stream the CLI writes to (process.stdout and process.stderr fit). */
export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface Output {
  /** --json: one JSON document on stdout, nothing else. */
  readonly json: boolean;
  readonly color: Colors;
  /** A terminal on stderr, with output meant for people: a progress bar may draw there. */
  readonly interactive: boolean;
  readonly stderr: OutStream;
  /** Writes lines of text for people (ignored with --json). */
  text(...lines: string[]): void;
  /** Writes the command's result for scripts (only with --json). */
  data(value: unknown): void;
}

/** Colours on a terminal unless NO_COLOR; FORCE_COLOR turns them on anywhere. CI alone does not. */
export function colorsWanted(stream: OutStream, env: CliEnv): boolean {
  if (env.noColor) return false;
  if (env.forceColor) return true;
  return stream.isTTY === true && env.term !== 'dumb';
}

export function createOutput(options: {
  json: boolean;
  stdout: OutStream;
  stderr: OutStream;
  env: CliEnv;
}): Output {
  const { json, stdout, stderr, env } = options;
  return {
    json,
    color: pc.createColors(!json && colorsWanted(stdout, env)),
    interactive: !json && stderr.isTTY === true && env.term !== 'dumb',
    stderr,
    text(...lines) {
      if (!json) stdout.write(`${lines.join('\n')}\n`);
    },
    data(value) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}
