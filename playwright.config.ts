// The e2e suite: the real API on a fresh SQLite file and the real dashboard (built, then served), driven with
// Debian's Chromium (Playwright's own browsers cannot be downloaded here). `npm test` runs it after Vitest.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

const apiPort = Number(process.env.PW_API_PORT ?? 4310);
const dashboardPort = Number(process.env.PW_DASHBOARD_PORT ?? 3310);
// One fresh database per run. The config is loaded again in every worker; they inherit this variable, so
// they all see the directory the main process made.
process.env.PW_IDEM_E2E_DIR ??= mkdtempSync(join(tmpdir(), 'idem-e2e-'));
const databaseUrl = `file:${join(process.env.PW_IDEM_E2E_DIR, 'e2e.db')}`;
process.env.PW_IDEM_API_URL = `http://127.0.0.1:${apiPort}`;
process.env.PW_IDEM_DATABASE_URL = databaseUrl;

export default defineConfig({
  testDir: 'e2e',
  // One story told in order: keys are made, found, released and purged; one worker keeps it deterministic.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results/e2e',
  reporter: 'list',
  use: {
    baseURL: `http://127.0.0.1:${dashboardPort}`,
    browserName: 'chromium',
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: [
    {
      command: 'node --conditions=idem-source --import tsx apps/api/src/main.ts',
      url: `http://127.0.0.1:${apiPort}/healthz`,
      env: {
        PORT: String(apiPort),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        IDEM_MODE: 'demo',
        IDEM_PURGE_INTERVAL_MS: '0',
      },
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      // Builds the dashboard first when there is no build of the current sources (about 30 s).
      command: 'npm run start --workspace @idem/dashboard',
      url: `http://127.0.0.1:${dashboardPort}/login`,
      env: {
        IDEM_API_URL: `http://127.0.0.1:${apiPort}`,
        IDEM_DASHBOARD_PORT: String(dashboardPort),
        IDEM_DASHBOARD_HOST: '127.0.0.1',
        IDEM_MODE: 'demo',
        // Besides the demo logins: a support user whose password is held as a scrypt hash, as production does
        // (the password, 'hana-reads-everything', is in e2e/dashboard.spec.ts).
        IDEM_DASHBOARD_USERS:
          'hana:support:scrypt$32768$8$1$ycN8p6gE01iL3pMlUSuK3Q$NCwBIIEcjMx_oL3JveuzG0YAnzAlhROU7Ob5BPGS1yw',
        NEXT_TELEMETRY_DISABLED: '1',
      },
      reuseExistingServer: false,
      timeout: 300_000,
    },
  ],
});
