// Who is calling, as this app decides it: API callers by their API key, support tools by their staff token.
// idem only asks: `scope` (whose keys) for the idempotent mutations, `access` (who, with which role) for the
// admin router.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AdminAccess } from '@idem/admin';
import type { Env, StaffToken } from './env.js';

export interface Context {
  /** The API caller, or null: idempotency keys belong to a caller and never cross to another. */
  readonly caller: string | null;
  /** What a support tool may do in idem's admin router, or null (refused with 401). */
  readonly staff: AdminAccess | null;
}

type Headers = Record<string, string | string[] | undefined>;

const one = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
};

/** Equal secrets, compared in constant time (through their digests, so lengths say nothing). */
function same(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function staffAccess(headers: Headers, credential: StaffToken): AdminAccess {
  // The tool names the person it acts for (its own login decides who that is) and their role; a `support`
  // credential reads only, whatever role it names.
  const actor = one(headers, 'x-idem-actor') ?? '';
  const claimed = one(headers, 'x-idem-role');
  const role = credential.role === 'admin' && claimed === 'admin' ? 'admin' : 'support';
  const session = one(headers, 'x-idem-session');
  return {
    staff: actor !== '' && actor.length <= 100 && claimed !== undefined ? { actor, role } : null,
    ...(session ? { session: session.slice(0, 200) } : {}),
  };
}

/** The context of one request, from its headers (Authorization: Bearer <API key or staff token>). */
export function contextFrom(headers: Headers, env: Env): Context {
  const bearer = /^Bearer\s+(\S+)$/i.exec(one(headers, 'authorization') ?? '')?.[1];
  if (bearer === undefined) return { caller: null, staff: null };
  const credential = env.staffTokens.find((t) => same(t.token, bearer));
  return {
    caller: env.apiKeys.get(bearer) ?? null,
    staff: credential === undefined ? null : staffAccess(headers, credential),
  };
}
