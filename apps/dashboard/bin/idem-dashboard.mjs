#!/usr/bin/env node
// idem-dashboard: idem's support dashboard, for any app that mounts @idem/admin's router.
//
//   npx idem-dashboard                  serves it (configured by the environment; see README.md)
//   npx idem-dashboard hash-password    prints the scrypt hash of a password read from standard input
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const HELP = `idem-dashboard ${version}: idem's support dashboard for an app that mounts @idem/admin's router

Usage:
  idem-dashboard                  serve the dashboard
  idem-dashboard hash-password    read a password from standard input, print its scrypt hash for
                                  IDEM_DASHBOARD_USERS (printf '%s' "$PASSWORD" | idem-dashboard hash-password)

Environment:
  IDEM_ADMIN_URL          the app's tRPC endpoint, e.g. https://api.example.com/trpc
  IDEM_ADMIN_PATH         where the app mounted the admin router (default idemAdmin)
  IDEM_ADMIN_TRANSFORMER  the app's tRPC transformer: superjson (default) or none
  IDEM_ADMIN_TOKEN        the credential the app's admin router accepts (sent as Authorization: Bearer)
  IDEM_MODE               production, or demo (the default: demo logins and the demo token)
  IDEM_DASHBOARD_USERS    staff logins: name:admin|support:scrypt-hash-or-password, comma-separated
  IDEM_SESSION_SECRET     signs session cookies (production: 32+ characters)
  IDEM_COOKIE_SECURE      true or false: Secure session cookie (default: true in production)
  PORT, HOST              where to listen (default 3000 on 127.0.0.1; HOST=0.0.0.0 for every interface)
  IDEM_TRUST_PROXY        1 when a reverse proxy in front appends the client's address to X-Forwarded-For
`;

const [command] = process.argv.slice(2);
if (command === '--help' || command === '-h' || command === 'help') process.stdout.write(HELP);
else if (command === '--version' || command === '-v') console.log(version);
else if (command === 'hash-password') await import('../dist/hash-password.mjs');
else if (command === undefined) await import('./serve.mjs');
else {
  console.error(`idem-dashboard: unknown command "${command}" (try --help)`);
  process.exit(2);
}
