// Staff sessions: an httpOnly, SameSite=Lax cookie holding who is signed in, with which role, until when,
// signed with HMAC-SHA256 (IDEM_SESSION_SECRET). Pages and actions call requireStaff(); without a valid
// session they redirect to the login page. Actions also check a CSRF token derived from the session (on top
// of Next's own Origin check for server actions and the SameSite cookie).
// A signature alone would keep a session alive after its user was removed, demoted or given a new password, or
// after sign-out: each request also checks the user against the configuration, the signature covers the user's
// configured password entry, and a signed-out session is refused by the app's admin router (the sign-out is
// kept in the idempotency store, so every dashboard process agrees).
import 'server-only';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { adminApi, apiError } from './api';
import { config, type Role, type StaffUser } from './config';
import { PATH_HEADER, SESSION_COOKIE } from './cookie';

export { SESSION_COOKIE };
const SESSION_MS = 8 * 60 * 60 * 1000;

export interface Session {
  readonly user: string;
  readonly role: Role;
  /** Session id: binds the CSRF token to this sign-in. */
  readonly sid: string;
  /** Expiry, ms since the epoch. */
  readonly exp: number;
}

const sign = (payload: string): string =>
  createHmac('sha256', config().sessionSecret).update(payload).digest('base64url');

// Signed over the payload and the user's configured password entry (a hash or the text): a new password in
// IDEM_DASHBOARD_USERS ends that user's sessions.
const signFor = (payload: string, user: StaffUser | undefined): string =>
  sign(
    `${payload}\0${createHash('sha256')
      .update(user?.password ?? '')
      .digest('base64url')}`,
  );

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const configured = (name: unknown): StaffUser | undefined => config().users.find((u) => u.name === name);

/** The cookie value for a session: payload.signature. */
export function encodeSession(session: Session): string {
  const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
  return `${payload}.${signFor(payload, configured(session.user))}`;
}

/**
 * The session in a cookie value, or null if it is forged, malformed, expired, signed out, or its user is no
 * longer configured with that role and password.
 */
export function decodeSession(value: string | undefined, now = Date.now()): Session | null {
  if (!value) return null;
  const dot = value.indexOf('.');
  if (dot <= 0) return null;
  const payload = value.slice(0, dot);
  try {
    const s = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Session>;
    const user = configured(s.user);
    if (user === undefined || !safeEqual(value.slice(dot + 1), signFor(payload, user))) return null;
    if (typeof s.user !== 'string' || s.role !== user.role) return null;
    if (typeof s.sid !== 'string' || typeof s.exp !== 'number' || s.exp <= now) return null;
    return { user: s.user, role: s.role, sid: s.sid, exp: s.exp };
  } catch {
    return null;
  }
}

/** The signed-in person, or null. */
export async function currentStaff(): Promise<Session | null> {
  return decodeSession((await cookies()).get(SESSION_COOKIE)?.value);
}

/**
 * The signed-in person, if the app's admin router still takes their session: it refuses a session signed out in any
 * dashboard process, and a dashboard whose token it no longer takes (401).
 */
export async function signedInStaff(): Promise<Session | null> {
  const staff = await currentStaff();
  if (staff === null) return null;
  const refused = await adminApi(staff)
    .whoami.query()
    .then(
      () => false,
      (error: unknown) => apiError(error).status === 401,
    );
  return refused ? null : staff;
}

/** The signed-in person; without one, the login page (and back to the requested page after). */
export async function requireStaff(): Promise<Session> {
  const staff = await signedInStaff();
  if (staff === null) {
    const from = (await headers()).get(PATH_HEADER);
    redirect(from && from !== '/' ? `/login?from=${encodeURIComponent(from)}` : '/login');
  }
  return staff;
}

/** Starts a session for a user who just proved their password. */
export async function startSession(user: string, role: Role): Promise<void> {
  const session: Session = {
    user,
    role,
    sid: randomBytes(16).toString('base64url'),
    exp: Date.now() + SESSION_MS,
  };
  (await cookies()).set(SESSION_COOKIE, encodeSession(session), {
    httpOnly: true,
    sameSite: 'lax',
    secure: config().secureCookies,
    path: '/',
    maxAge: SESSION_MS / 1000,
  });
}

/** Signs a session out: the app's admin router refuses it from now on, in every dashboard process. */
export async function endSession(session: Session): Promise<void> {
  await adminApi(null)
    .session.end.mutate({ session: session.sid })
    .catch((error: unknown) => console.error('[dashboard] could not record a sign-out:', error));
  (await cookies()).delete(SESSION_COOKIE);
}

/** The CSRF token of a session: forms carry it, actions check it. */
export const csrfToken = (session: Session): string => sign(`csrf:${session.sid}`);

/** Whether a submitted form carries this session's CSRF token. */
export function validCsrf(session: Session, form: FormData): boolean {
  const sent = form.get('csrf');
  return typeof sent === 'string' && safeEqual(sent, csrfToken(session));
}
