// The suites drive the real binary, dist/bin.js, on plain Node: build it and the packages it imports first.
// Turbo rebuilds only what changed since the last build.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const turbo = fileURLToPath(new URL('../../../node_modules/.bin/turbo', import.meta.url));

export default function buildCli(): void {
  const build = spawnSync(turbo, ['run', 'build', '--filter=@idem/cli...', '--output-logs=errors-only'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('building @idem/cli and its packages failed (see above)');
}
