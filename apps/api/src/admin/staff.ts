// Who may use the admin router: only the dashboard's server, which holds IDEM_ADMIN_TOKEN and sends it as
// Authorization: Bearer, naming the signed-in person (x-idem-actor) and their role (x-idem-role). The token
// never reaches a browser; the role decides what the person may do: support reads, admin also acts (D5).
import { createHash, timingSafeEqual } from 'node:crypto';
import { adminOf, type IdempotencyAdmin } from '@idem/core';
import { createIdempotency } from '@idem/trpc';
import superjson from 'superjson';
import { fail } from '../errors.ts';
import { type Context, t } from '../trpc.ts';

/** The dashboard's two roles. */
export const STAFF_ROLES = ['admin', 'support'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** The person behind an admin request, as the dashboard vouches for them. */
export interface Staff {
  readonly actor: string;
  readonly role: StaffRole;
}

/** Compares secrets in constant time, whatever their lengths. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}

/** A procedure for staff: 401 without the admin token, 400 without actor and role. Adds ctx.staff, ctx.admin. */
export const staffProcedure = t.procedure.use(function staff({ ctx, next }) {
  const token = ctx.http.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (token === undefined || !sameSecret(token, ctx.adminToken)) {
    throw fail(401, 'admin_unauthorized', 'The admin API needs the admin token as Authorization: Bearer.');
  }
  const actor = ctx.http.header('x-idem-actor')?.trim() ?? '';
  if (actor === '' || actor.length > 100) {
    throw fail(400, 'staff_actor_missing', 'Name the signed-in person in x-idem-actor (1–100 characters).');
  }
  const role = ctx.http.header('x-idem-role')?.trim();
  if (role !== 'admin' && role !== 'support') {
    throw fail(400, 'staff_role_invalid', 'x-idem-role must be "admin" or "support".');
  }
  const admin: IdempotencyAdmin | undefined = adminOf(ctx.engine.store);
  if (admin === undefined) {
    throw fail(501, 'admin_unsupported', `The ${ctx.engine.store.kind} store answers no admin queries.`);
  }
  const staff: Staff = { actor, role };
  return next({ ctx: { staff, admin } });
});

/** A procedure that changes state: admins only (403 for support, who may only read). */
export const adminActionProcedure = staffProcedure.use(function adminOnly({ ctx, next }) {
  if (ctx.staff.role !== 'admin') {
    throw fail(403, 'admin_role_required', 'Only the admin role may act; the support role is read-only.');
  }
  return next();
});

/**
 * Staff actions are idempotent too, through idem itself: the dashboard mints one key per action (a form renders
 * with it) and its client reuses it on every retry and resubmission, so a release or a purge sent twice acts and
 * is audited once. Keys belong to the person acting.
 */
export const staffIdempotency = createIdempotency<Context & { staff: Staff }>({
  engine: (ctx) => ctx.engine,
  scope: (ctx) => `staff:${ctx.staff.actor}`,
  transformer: superjson,
});
