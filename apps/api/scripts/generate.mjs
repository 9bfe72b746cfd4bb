// Generates both of the demo's Prisma clients (SQLite and PostgreSQL) into apps/api/generated.
// Runs on every install (postinstall). Prisma's CLI tries to download a native schema engine before any
// command, which fails offline; generation itself does not need that engine, so any existing file will do.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(root, '..', '..');
const cli = [
  join(root, 'node_modules', 'prisma', 'build', 'index.js'),
  join(repo, 'node_modules', 'prisma', 'build', 'index.js'),
].find(existsSync);
if (cli === undefined) {
  console.log('[idem] prisma CLI not installed yet; skipping client generation');
  process.exit(0);
}
for (const provider of ['sqlite', 'postgres']) {
  execFileSync(process.execPath, [cli, 'generate', '--config', 'prisma.config.ts'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      IDEM_PRISMA_PROVIDER: provider,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  });
  console.log(`[idem] generated Prisma client for ${provider}`);
}
