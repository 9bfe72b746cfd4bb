// The dashboard's configuration, read from the environment in this one place and checked. Server-only: it
// holds the admin token and the session secret, which never reach a browser.
import 'server-only';
import { createHash } from 'node:crypto';
import { isPasswordHash, parsePasswordHash } from './password';

export type Role = 'admin' | 'support';

export interface StaffUser {
  readonly name: string;
  readonly role: Role;
  /** A scrypt hash (`scrypt$…`, from `npm run hash-password`) or, in trials, the password itself. */
  readonly password: string;
}

export interface DashboardConfig {
  readonly mode: 'demo' | 'production';
  /** The tRPC endpoint of the app the dashboard supports (its admin router is called server-side). */
  readonly adminUrl: string;
  /** Where the app mounted @idem/admin's router in its tRPC router (default `idemAdmin`). */
  readonly adminPath: string;
  /** The app's tRPC transformer: superjson (default) or none. */
  readonly transformer: 'superjson' | 'none';
  /** Sent to the API as Authorization: Bearer; the API's IDEM_ADMIN_TOKEN. */
  readonly adminToken: string;
  /** Signs session cookies and derives CSRF tokens. */
  readonly sessionSecret: string;
  readonly users: readonly StaffUser[];
  /** Whether the session cookie is marked Secure (HTTPS only). */
  readonly secureCookies: boolean;
  /**
   * Served by bin/idem-dashboard.mjs, which sets x-idem-client-address on every request from the connection (it
   * sets IDEM_DASHBOARD_FRONT in its own process); anywhere else that header is a client's and is ignored.
   */
  readonly clientAddressFromFront: boolean;
}

/** The logins demo mode creates; production refuses them. */
export const DEMO_USERS: readonly StaffUser[] = [
  { name: 'admin', role: 'admin', password: 'demo' },
  { name: 'support', role: 'support', password: 'demo' },
];
export const DEMO_ADMIN_TOKEN = 'demo-admin-token';

/**
 * Parses IDEM_DASHBOARD_USERS: `name:role:password` entries, comma-separated; the password is a scrypt hash from
 * `npm run hash-password` (recommended) or plain text, which may hold ':' but not ','.
 */
export function parseUsers(text: string): StaffUser[] {
  const users: StaffUser[] = [];
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [name, role, ...rest] = entry.split(':');
    const password = rest.join(':');
    if (!name || (role !== 'admin' && role !== 'support') || password === '') {
      throw new Error(`IDEM_DASHBOARD_USERS: "${name ?? ''}:…" is not name:admin|support:password`);
    }
    if (isPasswordHash(password) && parsePasswordHash(password) === undefined) {
      throw new Error(
        `IDEM_DASHBOARD_USERS: the scrypt hash of "${name}" is malformed; make a new one with npm run hash-password`,
      );
    }
    users.push({ name, role, password });
  }
  return users;
}

/**
 * Reads and checks the configuration; throws with a message naming the variable. Production mode refuses the
 * demo logins, the demo admin token and a missing or short session secret.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): DashboardConfig {
  // Not NODE_ENV: `next start` always sets it to production, demo or not.
  const mode = env.IDEM_MODE === 'production' ? 'production' : 'demo';
  if (env.IDEM_MODE !== undefined && env.IDEM_MODE !== 'demo' && env.IDEM_MODE !== 'production') {
    throw new Error(`IDEM_MODE must be demo or production, not "${env.IDEM_MODE}"`);
  }
  const users = parseUsers(env.IDEM_DASHBOARD_USERS ?? '');
  const adminToken = env.IDEM_ADMIN_TOKEN?.trim() || (mode === 'demo' ? DEMO_ADMIN_TOKEN : '');
  let sessionSecret = env.IDEM_SESSION_SECRET ?? '';
  if (mode === 'demo') {
    for (const demo of DEMO_USERS) if (!users.some((u) => u.name === demo.name)) users.push(demo);
    // `npm start` passes a random secret; run bare, demo mode derives one (its logins are public anyway).
    if (sessionSecret === '') {
      sessionSecret = createHash('sha256').update(`idem demo session:${adminToken}`).digest('hex');
    }
  } else {
    if (users.length === 0)
      throw new Error('production mode needs IDEM_DASHBOARD_USERS (name:role:password, …)');
    const demo = users.filter((u) => DEMO_USERS.some((d) => d.password === u.password));
    if (demo.length > 0) {
      throw new Error(
        `production mode refuses demo passwords (users: ${demo.map((u) => u.name).join(', ')})`,
      );
    }
    // A hash hides the length; `npm run hash-password` applies the same rule before hashing.
    const weak = users.filter((u) => !isPasswordHash(u.password) && u.password.length < 12);
    if (weak.length > 0) {
      throw new Error(
        `production passwords need 12 characters or more (users: ${weak.map((u) => u.name).join(', ')})`,
      );
    }
    if (adminToken === '' || adminToken === DEMO_ADMIN_TOKEN) {
      throw new Error('production mode needs IDEM_ADMIN_TOKEN, the same secret the API has');
    }
    if (sessionSecret.length < 32)
      throw new Error('production mode needs IDEM_SESSION_SECRET of 32+ characters');
  }
  return {
    mode,
    adminUrl: adminUrl(env),
    adminPath: (env.IDEM_ADMIN_PATH ?? 'idemAdmin').trim() || 'idemAdmin',
    transformer: transformerOf(env.IDEM_ADMIN_TRANSFORMER),
    adminToken,
    sessionSecret,
    users,
    secureCookies:
      env.IDEM_COOKIE_SECURE === undefined ? mode === 'production' : env.IDEM_COOKIE_SECURE === 'true',
    clientAddressFromFront: env.IDEM_DASHBOARD_FRONT === '1',
  };
}

/** IDEM_ADMIN_URL (the app's tRPC endpoint), or IDEM_API_URL with /trpc (idem's demo API), without a trailing /. */
function adminUrl(env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env.IDEM_ADMIN_URL?.trim();
  const url = explicit || `${(env.IDEM_API_URL ?? 'http://127.0.0.1:4000').replace(/\/+$/, '')}/trpc`;
  try {
    new URL(url);
  } catch {
    throw new Error(`IDEM_ADMIN_URL must be an http(s) URL of the app's tRPC endpoint (got "${url}")`);
  }
  return url.replace(/\/+$/, '');
}

function transformerOf(value: string | undefined): 'superjson' | 'none' {
  if (value === undefined || value === '' || value === 'superjson') return 'superjson';
  if (value === 'none' || value === 'json') return 'none';
  throw new Error(`IDEM_ADMIN_TRANSFORMER must be superjson or none (got "${value}")`);
}

let cached: DashboardConfig | undefined;

/** The configuration, read once per process. */
export function config(): DashboardConfig {
  cached ??= loadConfig();
  return cached;
}
