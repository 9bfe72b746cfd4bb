// Global setup of the examples project: packs every package of packages/ once (npm pack of the built dist/, as
// `npm publish` would upload it) and tells the suites where the tarballs are.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

const root = join(import.meta.dirname, '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Package name → absolute path of its tarball. */
    tarballs: Record<string, string>;
  }
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
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: pkgDir,
      encoding: 'utf8',
    });
    const [packed] = JSON.parse(out) as { filename: string }[];
    tarballs[manifest.name] = join(dir, packed!.filename);
  }
  project.provide('tarballs', tarballs);
  return () => rmSync(dir, { recursive: true, force: true });
}
