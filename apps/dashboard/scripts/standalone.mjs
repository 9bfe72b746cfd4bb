// The dashboard as it ships: Next's standalone output (the server, and only the node_modules files it loads)
// plus the browser assets, assembled in dist/. `npm start` serves it through bin/idem-dashboard.mjs, and `npm pack`
// (prepack) puts it in the tarball, so a checkout and an installed package run the very same files.
//
//   node scripts/standalone.mjs   builds when the sources changed since the last build, then assembles dist/
//
// Why the tarball carries node_modules files instead of declaring next and react as dependencies: the standalone
// trace is the exact runtime that was built and tested (one Next, one React, no SWC or sharp binaries), so an
// install is the unpacking of one tarball, works offline and cannot drift to another Next than the build's.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(app, '..', '..');
const dist = join(app, 'dist');

/** A hash of everything the build is made from, so an edited checkout is rebuilt before it is served or packed. */
function sourceHash() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(app, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  for (const dir of [
    'app',
    'components',
    'lib',
    '../../packages/core/dist',
    '../../packages/trpc/dist',
    '../../packages/admin/dist',
  ]) {
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

const readIf = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : null);

/** Runs `next build` unless the last build is of these very sources. */
function build(log) {
  const stamp = join(app, '.next', 'idem-source-hash');
  const want = sourceHash();
  const built =
    readIf(stamp) === want &&
    existsSync(join(app, '.next', 'BUILD_ID')) &&
    existsSync(join(app, '.next', 'standalone', 'apps', 'dashboard', 'server.js'));
  if (built) return;
  log('[dashboard] building the dashboard (next build, about a minute the first time)…');
  const next = createRequire(import.meta.url).resolve('next/dist/bin/next');
  const run = spawnSync(process.execPath, [next, 'build'], {
    cwd: app,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (run.status !== 0) throw new Error('[dashboard] the build failed; see above.');
  writeFileSync(stamp, want);
}

/** Each bundled package keeps its licence texts (the trace copies only the files the server loads). */
function copyLicences(modules, source) {
  for (const name of readdirSync(modules)) {
    const dir = join(modules, name);
    if (name.startsWith('@')) {
      copyLicences(dir, join(source, name));
      continue;
    }
    if (!existsSync(join(source, name))) continue;
    for (const file of readdirSync(join(source, name))) {
      if (/^(licen[cs]e|notice|copying)/i.test(file) && !existsSync(join(dir, file)))
        cpSync(join(source, name, file), join(dir, file));
    }
    if (existsSync(join(dir, 'node_modules')))
      copyLicences(join(dir, 'node_modules'), join(source, name, 'node_modules'));
  }
}

/** Copies the standalone build and its browser assets to dist/ (in one rename, so no server sees half of it). */
function assemble(log) {
  const buildId = readFileSync(join(app, '.next', 'BUILD_ID'), 'utf8');
  if (readIf(join(dist, 'apps', 'dashboard', '.next', 'BUILD_ID')) === buildId) return;
  log('[dashboard] assembling dist/ from the standalone build…');
  const staging = join(app, '.next', 'idem-dist-staging');
  rmSync(staging, { recursive: true, force: true });
  cpSync(join(app, '.next', 'standalone'), staging, { recursive: true, verbatimSymlinks: true });
  // Next leaves the browser assets out of standalone/ (meant for a CDN); the dashboard serves its own.
  cpSync(join(app, '.next', 'static'), join(staging, 'apps', 'dashboard', '.next', 'static'), {
    recursive: true,
  });
  if (existsSync(join(app, 'public')))
    cpSync(join(app, 'public'), join(staging, 'apps', 'dashboard', 'public'), { recursive: true });
  // Traced because Next's server can optimise images; the dashboard has none (images.unoptimized), and these
  // are native binaries for the build machine's platform only.
  for (const unused of ['sharp', '@img'])
    rmSync(join(staging, 'node_modules', unused), { recursive: true, force: true });
  copyLicences(join(staging, 'node_modules'), join(root, 'node_modules'));
  const links = [];
  const findLinks = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isSymbolicLink()) links.push(relative(staging, join(dir, entry.name)));
      else if (entry.isDirectory()) findLinks(join(dir, entry.name));
    }
  };
  findLinks(staging);
  // npm pack leaves symbolic links out: a build that needs one would install broken.
  if (links.length > 0)
    throw new Error(`[dashboard] the standalone build has symbolic links: ${links.join(', ')}`);
  rmSync(dist, { recursive: true, force: true });
  renameSync(staging, dist);
}

/** `idem-dashboard hash-password`: the repository's `npm run hash-password`, bundled into one file of JavaScript. */
async function bundleHashPassword() {
  const { build: bundle } = await import('esbuild');
  await bundle({
    entryPoints: [join(app, 'scripts', 'hash-password.ts')],
    outfile: join(dist, 'hash-password.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}

/** Builds when needed and assembles dist/; resolves with the folder bin/idem-dashboard.mjs serves. */
export async function prepareStandalone({ log = console.log } = {}) {
  build(log);
  assemble(log);
  await bundleHashPassword();
  return join(dist, 'apps', 'dashboard');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await prepareStandalone();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
