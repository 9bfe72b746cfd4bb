// Who may use the admin router. The host app decides, in `access(ctx)`: idem's router only asks it, and refuses
// what it does not allow. A dashboard or the CLI authenticates to the host with a credential of its own; the
// person it acts for comes with a role, and the role decides what they may do: support reads, admin also acts.
import { sha256 } from '@noble/hashes/sha2.js';
import { exchangeOf } from '@idem/trpc';
import type { StaffRole } from './roles.ts';

/** The person behind an admin request. */
export interface Staff {
  /** Who, as the audit log names them. */
  readonly actor: string;
  readonly role: StaffRole;
}

/**
 * What a caller of the admin router may do. `staff` is null for a trusted service acting for nobody yet (the
 * dashboard checking a login); `session` names the dashboard session the request is made in, so a signed-out
 * session is refused by every process.
 */
export interface AdminAccess {
  readonly staff: Staff | null;
  readonly session?: string;
}

const encoder = new TextEncoder();

/** Compares secrets in constant time, whatever their lengths (through their digests). */
export function sameSecret(given: string, expected: string): boolean {
  const a = sha256(encoder.encode(given));
  const b = sha256(encoder.encode(expected));
  let diff = given.length === expected.length ? 0 : 1;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The access a trusted dashboard or CLI gets: it proves itself with `token` (Authorization: Bearer) and names the
 * person it acts for and their role (x-idem-actor, x-idem-role), and the dashboard session (x-idem-session). The
 * token never reaches a browser: the dashboard's server holds it.
 *
 * @example
 * createAdminRouter(t, { engine, access: tokenAccess({ token: process.env.IDEM_ADMIN_TOKEN! }) });
 */
export function tokenAccess(options: { token: string }): (ctx: unknown) => AdminAccess | null {
  if (options.token.length < 16)
    throw new Error('tokenAccess: the admin token must be at least 16 characters');
  return (ctx) => {
    const http = exchangeOf(ctx);
    const token = http?.header('authorization')?.match(BEARER)?.[1];
    if (http === undefined || token === undefined || !sameSecret(token, options.token)) return null;
    const actor = http.header('x-idem-actor')?.trim() ?? '';
    const role = http.header('x-idem-role')?.trim();
    const session = http.header('x-idem-session')?.trim();
    const staff: Staff | null =
      actor !== '' && actor.length <= 100 && (role === 'admin' || role === 'support')
        ? { actor, role }
        : null;
    return { staff, ...(session ? { session: session.slice(0, 200) } : {}) };
  };
}
