// An example copied outside the workspace and installed as its users would install it: idem's packages from
// their tarballs, everything else from the registry (npm's cache).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const examples = join(import.meta.dirname, '..');

export interface Consumer {
  readonly dir: string;
  /** Runs a command in the consumer's folder; rejects with its output when it fails. */
  exec(command: string, args: readonly string[], env?: Record<string, string>): Promise<string>;
  /** Starts `node <file>` in the consumer and resolves with the port it prints (`listening <port>`). */
  serve(file: string, env?: Record<string, string>): Promise<{ port: number; process: ChildProcess }>;
  /**
   * Starts any command (`npx idem-dashboard`, say) the same way; it and whatever it starts end with remove().
   * `ready` is the line that says it listens (default `listening <port>`; without a port group, PORT's).
   */
  start(
    command: string,
    args: readonly string[],
    env?: Record<string, string>,
    ready?: RegExp,
  ): Promise<{ port: number; process: ChildProcess }>;
  remove(): void;
}

/**
 * Copies `example` to a fresh folder, points its @idem/* dependencies at the tarballs (and applies `overrides`
 * to its dependency versions), and installs it with npm.
 */
export async function installConsumer(
  example: string,
  tarballs: Record<string, string>,
  overrides: Record<string, string> = {},
): Promise<Consumer> {
  const dir = mkdtempSync(join(tmpdir(), `idem-${example}-`));
  cpSync(join(examples, example), dir, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|dist|\.next)([/\\]|$)/.test(source),
  });
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  for (const deps of [manifest.dependencies, manifest.devDependencies]) {
    if (deps === undefined) continue;
    for (const name of Object.keys(deps)) {
      if (tarballs[name] !== undefined) deps[name] = `file:${tarballs[name]}`;
      if (overrides[name] !== undefined) deps[name] = overrides[name];
    }
  }
  // A package of ours that depends on another of ours asks for it by version (^0.2.0): resolve it to its tarball too.
  (manifest as { overrides?: Record<string, string> }).overrides = Object.fromEntries(
    Object.entries(tarballs).map(([name, path]) => [name, `file:${path}`]),
  );
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const consumer = consumerIn(dir);
  await consumer.exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
  return consumer;
}

/**
 * A fresh folder where `tarball` is installed the way its README says (`npm install <package>`), with nothing
 * else: a package with a bin, such as the dashboard.
 */
export async function installTarball(name: string, tarball: string): Promise<Consumer> {
  const dir = mkdtempSync(join(tmpdir(), `idem-${name}-`));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `idem-${name}-install`, private: true }, null, 2)}\n`,
  );
  const consumer = consumerIn(dir);
  await consumer.exec('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--loglevel=error',
    tarball,
  ]);
  return consumer;
}

function consumerIn(dir: string): Consumer {
  const exec = async (command: string, args: readonly string[], env: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await run(command, [...args], {
        cwd: dir,
        env: { ...process.env, NODE_OPTIONS: '', ...env },
        maxBuffer: 64 * 1024 * 1024,
      });
      return `${stdout}${stderr}`;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `${command} ${args.join(' ')} failed in ${dir}:\n${e.stdout ?? ''}${e.stderr ?? ''}\n${e.message}`,
      );
    }
  };
  const children: ChildProcess[] = [];
  const start = (
    command: string,
    args: readonly string[],
    env: Record<string, string> = {},
    ready: RegExp = /^listening (\d+)\r?\n/m,
  ) =>
    new Promise<{ port: number; process: ChildProcess }>((resolve, reject) => {
      // A process group of its own, so remove() also ends what it started (npx runs the bin as a child).
      const child = spawn(command, [...args], {
        cwd: dir,
        env: { ...process.env, NODE_OPTIONS: '', PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      children.push(child);
      let output = '';
      const seen = (chunk: Buffer) => {
        output += chunk.toString();
        // A whole line: a chunk may end inside the number. A server that does not print its port (next start)
        // was given one in PORT.
        const match = ready.exec(output);
        if (match) resolve({ port: Number(match[1] ?? env.PORT), process: child });
      };
      child.stdout.on('data', seen);
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code) =>
        reject(new Error(`${[command, ...args].join(' ')} exited (${code}) before listening:\n${output}`)),
      );
    });
  return {
    dir,
    exec,
    serve(file, env = {}) {
      return start(process.execPath, [file], env);
    },
    start,
    remove() {
      for (const child of children) {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
