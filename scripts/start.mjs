// `npm start`: the API (port 4000) and, once built, the dashboard (port 3000), on the embedded SQLite unless
// DATABASE_URL says otherwise. Stops both on Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const apiPort = env.PORT ?? '4000';
const children = [];

function run(name, command, args, options = {}) {
  // Each child leads a process group of its own, so stopping it stops what it started too (npm → next-server).
  const child = spawn(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...env, ...options.env },
    detached: true,
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[idem] ${name} stopped (${signal ?? `exit ${code}`}); stopping the rest.`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) {
    if (child.exitCode !== null) continue;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
  }
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// The dashboard runs on idem's packages as any app would: built (dist/). Turbo skips what is up to date.
const built = spawnSync(
  join(root, 'node_modules', '.bin', 'turbo'),
  ['run', 'build', '--filter=./packages/*', '--output-logs=errors-only'],
  { cwd: root, stdio: 'inherit', env },
);
if (built.status !== 0) {
  console.error('[idem] building the packages failed; see above.');
  process.exit(built.status ?? 1);
}

run('api', process.execPath, ['--conditions=idem-source', '--import', 'tsx', 'apps/api/src/main.ts'], {
  env: { PORT: apiPort },
});

const dashboard = join(root, 'apps', 'dashboard', 'package.json');
if (existsSync(dashboard) && JSON.parse(readFileSync(dashboard, 'utf8')).scripts?.start) {
  run('dashboard', 'npm', ['run', 'start', '--workspace', '@idem/dashboard'], {
    env: { IDEM_API_URL: env.IDEM_API_URL ?? `http://127.0.0.1:${apiPort}` },
  });
}
