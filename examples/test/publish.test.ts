// Each package as `npm publish` would upload it: the dry run passes, the tarball holds every file its exports and
// bin name, its README and LICENSE, and nothing of the workspace (sources, tests, tsconfig).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  engines?: { node?: string };
  repository?: unknown;
  sideEffects?: unknown;
  bin?: string | Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
}

/** Every file an `exports` map or `bin` points at, as a path inside the tarball. */
function targets(manifest: Manifest): string[] {
  const found: string[] = [];
  const walk = (value: unknown, condition: string | null) => {
    if (typeof value === 'string') {
      // `idem-source` is the workspace's own condition: it points at src/, which is not published, by design.
      if (condition !== 'idem-source') found.push(value.replace(/^\.\//, ''));
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, key.startsWith('.') ? null : key);
    }
  };
  walk(manifest.exports, null);
  walk(manifest.bin, null);
  return found;
}

// Libraries live in packages/; an app may be published too (the dashboard, started with its bin).
const published = ['packages', 'apps']
  .flatMap((parent) => readdirSync(join(root, parent)).map((name) => join(root, parent, name)))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest,
  }))
  .filter(({ manifest }) => !manifest.private);

describe('every package publishes as users will install it', () => {
  it('there are packages to publish', () => {
    expect(published.map((p) => p.manifest.name)).toEqual(
      expect.arrayContaining(['@idem/core', '@idem/trpc', '@idem/admin']),
    );
  });

  for (const { dir, manifest } of published) {
    it(`${manifest.name}: npm publish --dry-run passes and uploads exactly what users need`, async () => {
      expect(manifest.license).toBe('MIT');
      expect(manifest.engines?.node).toMatch(/>=\s*20/);
      expect(manifest.repository).toBeDefined();
      expect(manifest.sideEffects).toBeDefined();

      const { stdout } = await run('npm', ['publish', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
      });
      const report = JSON.parse(stdout) as Record<string, { files: { path: string }[] }>;
      const files = report[manifest.name]!.files.map((f) => f.path);

      expect(files).toContain('README.md');
      expect(files).toContain('LICENSE');
      for (const target of targets(manifest))
        expect(files, `${target} is exported but not published`).toContain(target);
      const workspaceOnly = files.filter((f) =>
        /^src\/|\.test\.|\.test-d\.|(^|\/)tsconfig[^/]*\.json$|\.tsbuildinfo$/.test(f),
      );
      expect(workspaceOnly).toEqual([]);
    });
  }
});
