// `npm test`: every check and every suite, then one closing line `N passed, N failed` over all of them
// (CI recognises that line; Vitest's and Playwright's own summaries it does not).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureChromium } from './chromium.mjs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, '.test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.FORCE_COLOR ?? '1' };

let passed = 0;
let failed = 0;
const failures = [];

function step(title, command, args) {
  console.log(`\n[idem] ── ${title}`);
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  return run.status === 0;
}

function check(title, command, args) {
  if (step(title, command, args)) passed++;
  else {
    failed++;
    failures.push(title);
  }
}

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 5432) });
    socket.setTimeout(3000);
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
if (!(await reachable(pgUrl))) {
  console.error(
    `[idem] PostgreSQL is not reachable at ${pgUrl.replace(/\/\/[^@]*@/, '//')}; the PostgreSQL suites will fail.\n` +
      '       Start it (see README, "Running the tests") or set TEST_DATABASE_URL.',
  );
}

// The packages as users get them (dist/, types included): the dashboard, the examples and the pack test run on them.
check('build the packages (tsc)', bin('turbo'), [
  'run',
  'build',
  '--filter=./packages/*',
  '--output-logs=errors-only',
]);
check('format and lint (Biome)', bin('biome'), ['check', '.']);
check('typecheck and type-aware lint (tsc, typescript-eslint)', bin('turbo'), [
  'run',
  'typecheck',
  'lint',
  '--output-logs=errors-only',
]);

const vitestJson = join(results, 'vitest.json');
step('unit and integration suites (Vitest: memory, SQLite, PostgreSQL)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  if (report.numFailedTests > 0) failures.push(`${report.numFailedTests} Vitest test(s)`);
  // A file that fails to load has no tests to count: count it as a failure, not as nothing.
  const broken = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0);
  failed += broken.length;
  for (const f of broken) failures.push(`suite failed to run: ${f.name}`);
} else {
  failed++;
  failures.push('Vitest produced no report');
}

const e2e = join(root, 'e2e');
if (existsSync(e2e) && readdirSync(e2e).some((f) => f.endsWith('.spec.ts')) && !ensureChromium()) {
  failed++;
  failures.push('no Chromium for the browser suites (see above)');
} else if (existsSync(e2e) && readdirSync(e2e).some((f) => f.endsWith('.spec.ts'))) {
  const pwJson = join(results, 'playwright.json');
  spawnSync(bin('playwright'), ['test', '--reporter=list,json'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson },
  });
  if (existsSync(pwJson)) {
    const { stats } = JSON.parse(readFileSync(pwJson, 'utf8'));
    passed += stats.expected + stats.flaky;
    failed += stats.unexpected;
    if (stats.unexpected > 0) failures.push(`${stats.unexpected} Playwright test(s)`);
  } else {
    failed++;
    failures.push('Playwright produced no report');
  }
}

if (failures.length > 0) console.log(`\n[idem] failed: ${failures.join('; ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
