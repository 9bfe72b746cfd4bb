// Global setup of the examples project: packs every package of packages/ once (npm pack of the built dist/, as
// `npm publish` would upload it) and tells the suites where the tarballs are. The dashboard is packed by the suite
// that needs it (packDashboard), so the others do not wait for its build.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const root = join(import.meta.dirname, '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Package name → absolute path of its tarball. */
    tarballs: Record<string, string>;
  }
}

/**
 * The tarball `npm pack --json` names. A prepack script's progress may come first on stdout; npm's JSON comes last,
 * an array whose brackets stand alone on their lines.
 */
function packed(out: string, destination: string): string {
  const at = out.startsWith('[\n') ? 0 : out.lastIndexOf('\n[\n') + 1;
  const [first] = JSON.parse(out.slice(at)) as { filename: string }[];
  return join(destination, first!.filename);
}

/** Packs the workspace package in `pkgDir` into `destination`, as `npm publish` would upload it. */
function packWorkspace(pkgDir: string, destination: string): string {
  const args = ['pack', '--json', '--pack-destination', destination];
  return packed(execFileSync('npm', args, { cwd: pkgDir, encoding: 'utf8' }), destination);
}

/**
 * Packs the dashboard as published (@idem/dashboard with its standalone build inside: its prepack script builds
 * it first when the sources changed) into `destination`; resolves with the tarball's path.
 */
export async function packDashboard(destination: string): Promise<string> {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: join(root, 'apps', 'dashboard'),
    maxBuffer: 64 * 1024 * 1024,
  });
  return packed(stdout, destination);
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'idem-packs-'));
  const tarballs: Record<string, string> = {};
  for (const name of readdirSync(join(root, 'packages'))) {
    const pkgDir = join(root, 'packages', name);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
      name: string;
      private?: boolean;
    };
    if (manifest.private) continue;
    tarballs[manifest.name] = packWorkspace(pkgDir, dir);
  }
  project.provide('tarballs', tarballs);
  return () => rmSync(dir, { recursive: true, force: true });
}
