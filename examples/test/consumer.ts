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
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
  const children: ChildProcess[] = [];
  return {
    dir,
    exec,
    serve(file, env = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [file], {
          cwd: dir,
          env: { ...process.env, NODE_OPTIONS: '', PORT: '0', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.push(child);
        let output = '';
        const seen = (chunk: Buffer) => {
          output += chunk.toString();
          const port = /listening (\d+)/.exec(output)?.[1];
          if (port) resolve({ port: Number(port), process: child });
        };
        child.stdout.on('data', seen);
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.once('exit', (code) =>
          reject(new Error(`${file} exited (${code}) before listening:\n${output}`)),
        );
      });
    },
    remove() {
      for (const child of children) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
