// `npm run start --workspace @idem/dashboard` (and so the root `npm start` and the e2e suite): builds the
// dashboard when there is no build of its current sources, assembles the standalone build in dist/, and serves it
// with bin/idem-dashboard.mjs, as the published package does, on IDEM_DASHBOARD_PORT (default 3000) and
// IDEM_DASHBOARD_HOST (default 127.0.0.1). Demo mode gets a fresh random session secret.
import { randomBytes } from 'node:crypto';
import { prepareStandalone } from './standalone.mjs';

try {
  await prepareStandalone();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

const env = process.env;
if (env.IDEM_MODE !== 'production' && !env.IDEM_SESSION_SECRET)
  env.IDEM_SESSION_SECRET = randomBytes(32).toString('hex');
// The bin reads PORT and HOST; here they are the dashboard's own (the root `npm start` uses PORT for the API).
env.PORT = env.IDEM_DASHBOARD_PORT ?? '3000';
env.HOST = env.IDEM_DASHBOARD_HOST || '127.0.0.1';
await import('../bin/idem-dashboard.mjs');
