// Runs the built `idem` binary as a user's shell would: a child process of plain Node on dist/bin.js, with an
// environment cleared of anything that would change its behaviour (the runner's own IDEM_*, DATABASE_URL and
// colour settings), so each test states what it sets.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLEARED = /^(IDEM_|DATABASE_URL$|FORCE_COLOR$|NO_COLOR$|CI$|TERM$)/;

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!CLEARED.test(name)) env[name] = value;
  return { ...env, ...extra };
}

function collect(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `idem …args` with pipes for stdout and stderr (not a terminal). */
export function idem(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return collect(process.execPath, [BIN, ...args], cleanEnv(env));
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * `idem …args` on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it: stdout and stderr
 * both go to the terminal, which `stdout` then holds.
 */
export function idemOnTerminal(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return collect('script', ['-qec', command, '/dev/null'], cleanEnv({ TERM: 'xterm-256color', ...env }));
}

/** The JSON document a --json run printed. */
export function parsed<T = Record<string, unknown>>(result: CliResult): T {
  return JSON.parse(result.stdout) as T;
}

/** A failure is one line on stderr, never a stack trace. */
export function oneLine(result: CliResult): string {
  const lines = result.stderr.trimEnd().split('\n');
  if (lines.length !== 1 || /^\s+at /m.test(result.stderr))
    throw new Error(`expected one line on stderr, got:\n${result.stderr}`);
  return lines[0]!;
}

/** A TCP port nothing listens on (and that fetch does not refuse as a "bad port", as it does 1 or 9). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Text as it reads on a terminal: colours and cursor movements removed. */
export const plain = (text: string): string => stripVTControlCharacters(text);

/** Whether text holds terminal escape sequences (colours). */
export const hasEscapes = (text: string): boolean => text.includes('\u001b[');
