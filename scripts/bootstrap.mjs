// Shared by `npm start` and `npm test`: makes a fresh clone runnable. Installs dependencies when
// node_modules is missing or older than package-lock.json (which also generates the Prisma clients), using
// only Node's standard library, since nothing else is installed yet.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`[idem] Node ${process.versions.node} is too old: idem needs Node 20.19 or newer.`);
  process.exit(1);
}

const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.idem-installed');
const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : null;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

if (have !== want) {
  console.log(
    '[idem] installing dependencies (npm ci; a first install compiles better-sqlite3, about 2 minutes)…',
  );
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, `${want}\n`);
} else if (!existsSync(join(root, 'apps', 'api', 'generated', 'sqlite', 'client.ts'))) {
  execFileSync(process.execPath, [join(root, 'apps', 'api', 'scripts', 'generate.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}
