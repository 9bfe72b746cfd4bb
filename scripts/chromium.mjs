// The browser suites drive Debian's Chromium (Playwright cannot download its own here). `npm test` installs it
// when it is missing and it can (root with apt-get, as on these machines and in CI); otherwise it says, once, the
// command that does.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (root && apt) {
    console.log("[idem] installing Debian's chromium for the browser suites (apt-get install chromium)…");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install =
      update.status === 0 &&
      spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
    if (install && install.status === 0 && existsSync(CHROMIUM)) return true;
  }
  console.error(
    `[idem] the browser suites need Chromium at ${CHROMIUM}. Install it once with:\n` +
      '         sudo apt-get update && sudo apt-get install -y chromium',
  );
  return false;
}
