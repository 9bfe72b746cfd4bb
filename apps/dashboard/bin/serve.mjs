// `idem-dashboard`: serves the dashboard's standalone build (dist/) for any app that mounts @idem/admin's router,
// configured by the environment only (see README.md).
//
// The HTTP server is this file's own, with Next's request handler inside it (one process, no proxy hop): every
// request gets x-idem-client-address set from the connection, replacing whatever a client sent, so the login
// throttle's per-address counts cannot be dodged by inventing addresses.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientAddress } from './client-address.mjs';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const app = join(packageDir, 'dist', 'apps', 'dashboard');
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));

function fail(message) {
  console.error(`[dashboard] ${message}`);
  process.exit(1);
}

if (!existsSync(join(app, '.next', 'BUILD_ID')))
  fail(`no build in ${app}; in a checkout of idem, run: npm run start --workspace @idem/dashboard`);
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`PORT must be a port number (got "${process.env.PORT}")`);
// Loopback unless told otherwise: demo logins are public, so the network must opt in.
const host = process.env.HOST || '127.0.0.1';
const trustProxy = process.env.IDEM_TRUST_PROXY === '1' || process.env.IDEM_TRUST_PROXY === 'true';

// What Next's own standalone server.js does before it starts: production, the app's folder, and the build's
// configuration (next.config.ts is not shipped; the build serialised it).
process.env.NODE_ENV = 'production';
process.env.NEXT_TELEMETRY_DISABLED ??= '1';
process.chdir(app);
const { config } = JSON.parse(readFileSync(join(app, '.next', 'required-server-files.json'), 'utf8'));
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
// Tells the dashboard that x-idem-client-address comes from this server and may be trusted (app/actions.ts).
process.env.IDEM_DASHBOARD_FRONT = '1';

const next = createRequire(join(app, 'server.js'))('next');

/** Next's request handler, once prepared; a request that arrives before waits for it. */
let handle;
const server = createServer((req, res) => {
  req.headers['x-idem-client-address'] = clientAddress(req, { trustProxy });
  const serve = () =>
    handle(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  if (handle) void serve();
  else void ready.then(serve);
});

const ready = (async () => {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  // Next's documented custom-server API, on the files its standalone trace keeps (server.js loads `next` too).
  const nextApp = next({ dir: app, dev: false, hostname: host, port: actualPort, httpServer: server });
  await nextApp.prepare();
  handle = nextApp.getRequestHandler();
  return actualPort;
})();

ready.then(
  (actualPort) => {
    const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    const api = process.env.IDEM_ADMIN_URL || `${process.env.IDEM_API_URL ?? 'http://127.0.0.1:4000'}/trpc`;
    console.log(`[dashboard] idem dashboard ${version} on http://${shown}:${actualPort} (admin API: ${api})`);
    if (process.env.IDEM_MODE !== 'production') {
      console.log('[dashboard] demo mode; logins: admin / demo (admin, may act), support / demo (read-only)');
    }
    console.log(`listening ${actualPort}`);
  },
  (error) => fail(`cannot start: ${error instanceof Error ? error.message : String(error)}`),
);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // Requests still running get a moment to finish; then the process goes regardless.
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
