// `npm run start --workspace @idem/dashboard` (and so the root `npm start`): builds the dashboard when there is
// no build or its sources changed since, then serves it on IDEM_DASHBOARD_PORT (default 3000). Demo mode
// gets a fresh random session secret and prints its two logins.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const next = createRequire(import.meta.url).resolve('next/dist/bin/next');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const mode = env.IDEM_MODE === 'production' ? 'production' : 'demo';
const port = env.IDEM_DASHBOARD_PORT ?? '3000';
// Loopback unless told otherwise, like the API: demo logins are public, so the network must opt in.
const host = env.IDEM_DASHBOARD_HOST || '127.0.0.1';

/** A hash of everything the build is made from, so an edited checkout is rebuilt before it is served. */
function sourceHash() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(app, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  for (const dir of ['app', 'components', 'lib', '../../packages/trpc/dist', '../../packages/admin/dist']) {
    if (existsSync(join(app, dir))) walk(join(app, dir));
  }
  for (const file of ['next.config.ts', 'instrumentation.ts', 'proxy.ts', 'package.json', 'tsconfig.json']) {
    if (existsSync(join(app, file)))
      hash
        .update(file)
        .update('\0')
        .update(readFileSync(join(app, file)));
  }
  return hash.digest('hex');
}

const stamp = join(app, '.next', 'idem-source-hash');
const want = sourceHash();
const built =
  existsSync(join(app, '.next', 'BUILD_ID')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want;
if (!built) {
  console.log('[dashboard] building the dashboard (next build, about a minute the first time)…');
  const build = spawnSync(process.execPath, [next, 'build'], { cwd: app, stdio: 'inherit', env });
  if (build.status !== 0) {
    console.error('[dashboard] the build failed; see above.');
    process.exit(build.status ?? 1);
  }
  writeFileSync(stamp, want);
}

if (mode === 'demo' && !env.IDEM_SESSION_SECRET) env.IDEM_SESSION_SECRET = randomBytes(32).toString('hex');

const args = [next, 'start', '--port', port, '--hostname', host];
const child = spawn(process.execPath, args, { cwd: app, stdio: ['ignore', 'pipe', 'inherit'], env });
let announced = false;
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /ready|started server|Local:/i.test(String(chunk))) {
    announced = true;
    const url = `http://${host !== '0.0.0.0' && host !== '::' ? host : 'localhost'}:${port}`;
    console.log(`[dashboard] idem dashboard on ${url} (API: ${env.IDEM_API_URL ?? 'http://127.0.0.1:4000'})`);
    if (mode === 'demo') {
      console.log('[dashboard] demo mode; logins: admin / demo (admin, may act), support / demo (read-only)');
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
