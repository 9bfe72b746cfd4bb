// How the CLI reaches the app's admin router (@idem/admin), configured like idem's dashboard: the app's tRPC
// endpoint, the path the router is mounted at, the app's transformer, and the admin token (tokenAccess) with the
// person acting and their role, which the app checks and writes into its audit log.
import { userInfo } from 'node:os';
import { STAFF_ROLES, type StaffRole } from '@idem/admin/client';
import { CliError } from './cli-error.ts';
import type { CliEnv } from './env.ts';

export interface ConnectionFlags {
  url?: string;
  path?: string;
  token?: string;
  transformer?: string;
  actor?: string;
  role?: string;
}

export interface Connection {
  /** The app's tRPC endpoint, without a trailing slash. */
  readonly url: string;
  /** Where the app mounted createAdminRouter (`idemAdmin` in `t.router({ idemAdmin: … })`). */
  readonly path: string;
  /** Sent as Authorization: Bearer; the app's tokenAccess compares it with its own. */
  readonly token: string;
  readonly transformer: 'superjson' | 'none';
  /** Who acts, as the audit log names them. */
  readonly actor: string;
  readonly role: StaffRole;
}

/** idem's demo API (`npm start`), so the CLI works there with only the token set. */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:4000/trpc';
export const DEFAULT_ADMIN_PATH = 'idemAdmin';

function adminUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError('usage', `the admin URL "${value}" is not a URL (it is the app's tRPC endpoint)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError('usage', `the admin URL "${value}" must be http:// or https://`);
  return value.replace(/\/+$/, '');
}

function transformer(value: string): Connection['transformer'] {
  if (value === 'superjson') return 'superjson';
  if (value === 'none' || value === 'json') return 'none';
  throw new CliError('usage', `the transformer must be superjson or none (got "${value}")`);
}

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * The connection from flags, then environment, then defaults. `role` defaults to what the command needs: the
 * support role reads, the admin role acts; both are a claim the app trusts because the token holder makes it.
 */
export function resolveConnection(flags: ConnectionFlags, env: CliEnv, defaultRole: StaffRole): Connection {
  const token = flags.token?.trim() || env.adminToken;
  if (token === undefined)
    throw new CliError(
      'usage',
      'no admin token: set IDEM_ADMIN_TOKEN (or pass --token), the same secret the app has',
    );
  const actor = flags.actor?.trim() || env.adminActor || osUser();
  if (actor === undefined || actor === '')
    throw new CliError('usage', 'no one to act as: pass --actor or set IDEM_ADMIN_ACTOR');
  if (actor.length > 100) throw new CliError('usage', 'the actor name is longer than 100 characters');
  const role = flags.role?.trim() || env.adminRole || defaultRole;
  if (!(STAFF_ROLES as readonly string[]).includes(role))
    throw new CliError('usage', `the role must be ${STAFF_ROLES.join(' or ')} (got "${role}")`);
  const path = (flags.path ?? env.adminPath ?? DEFAULT_ADMIN_PATH).trim().replace(/^\.+|\.+$/g, '');
  return {
    url: adminUrl(flags.url?.trim() || env.adminUrl || DEFAULT_ADMIN_URL),
    path: path === '' ? DEFAULT_ADMIN_PATH : path,
    token,
    transformer: transformer(flags.transformer?.trim() || env.adminTransformer || 'superjson'),
    actor,
    role: role as StaffRole,
  };
}
