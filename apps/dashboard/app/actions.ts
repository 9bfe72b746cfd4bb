'use server';
// Everything the dashboard changes goes through these server actions. Each one checks the session, the CSRF
// token bound to it and, for actions on keys, the admin role; the API checks the role again and writes the
// audit log. Next.js also refuses server actions whose Origin is not this host.
import { headers } from 'next/headers';
import { redirect, unstable_rethrow } from 'next/navigation';
import { revalidatePath } from 'next/cache';
import type { IdempotencyCallContext } from '@idem/trpc/client';
import { adminApi, apiError, type PurgeJobView } from '../lib/api';
import { loginAddress } from '../lib/client-address';
import { config } from '../lib/config';
import { safeReturn } from '../lib/return-path';
import { currentStaff, endSession, type Session, startSession, validCsrf } from '../lib/session';
import { checkLogin } from '../lib/users';

export interface LoginState {
  error: string | null;
  /** The name tried, kept in the form after a failed attempt. */
  username: string;
}

/** The signed-out visitor's address, as lib/client-address.ts decides it. */
async function clientAddress(): Promise<string> {
  const h = await headers();
  return loginAddress((name) => h.get(name), config().clientAddressFromFront);
}

export async function login(_: LoginState, form: FormData): Promise<LoginState> {
  const name = String(form.get('username') ?? '').trim();
  const password = String(form.get('password') ?? '');
  if (name === '' || password === '') return { error: 'Enter your user name and password.', username: name };
  const result = await checkLogin(name, password, await clientAddress());
  if (!result.ok) {
    return {
      username: name,
      error:
        result.reason === 'locked'
          ? 'Too many failed attempts for this user from here. Wait 15 minutes, then try again.'
          : result.reason === 'unavailable'
            ? `The app's admin API cannot check logins right now: ${result.message ?? 'no answer'}.`
            : 'Wrong user name or password.',
    };
  }
  await startSession(result.user.name, result.user.role);
  redirect(safeReturn(form.get('from')));
}

export async function logout(form: FormData): Promise<void> {
  const staff = await currentStaff();
  if (staff !== null && validCsrf(staff, form)) await endSession(staff);
  redirect('/login');
}

/**
 * The idempotency key the form was rendered with: the API acts once per key, so a form sent twice (a double
 * click, a browser retry, our link retrying a lost answer) is one release or one purge, audited once.
 */
function operationOf(form: FormData): IdempotencyCallContext {
  const key = form.get('operation');
  return typeof key === 'string' && key !== '' ? { idempotencyKey: key } : {};
}

/** A release either redirects back (success) or says why it could not be done. */
export type ActionState = { status: 'idle' } | { status: 'error'; message: string };

/** The session of an admin who sent this form with its CSRF token, or why not. */
async function adminFrom(form: FormData): Promise<Session | string> {
  const staff = await currentStaff();
  if (staff === null) return 'Your session has ended. Sign in again.';
  if (!validCsrf(staff, form)) return 'This form is out of date. Reload the page and try again.';
  if (staff.role !== 'admin') return 'Only the admin role may act; you are signed in as support (read-only).';
  return staff;
}

export async function releaseKey(_: ActionState, form: FormData): Promise<ActionState> {
  const staff = await adminFrom(form);
  if (typeof staff === 'string') return { status: 'error', message: staff };
  const ref = {
    scope: String(form.get('scope') ?? ''),
    procedure: String(form.get('procedure') ?? ''),
    key: String(form.get('key') ?? ''),
  };
  let owner: string;
  try {
    const { released } = await adminApi(staff).release.mutate(ref, { context: operationOf(form) });
    owner = released.leaseOwner ?? 'nobody';
  } catch (error) {
    unstable_rethrow(error);
    return { status: 'error', message: apiError(error).message };
  }
  // Back to the page it came from, which says what was released: the row or panel that held the button is
  // gone once the key is no longer in flight.
  const back = new URL(safeReturn(form.get('returnTo')), 'http://dashboard.invalid');
  back.searchParams.set('released', ref.key);
  back.searchParams.set('owner', owner);
  revalidatePath('/', 'layout');
  redirect(`${back.pathname}${back.search}`);
}

export type PurgeState =
  | { status: 'idle' }
  | { status: 'started'; job: PurgeJobView }
  | { status: 'error'; message: string };

export async function startPurge(_: PurgeState, form: FormData): Promise<PurgeState> {
  const staff = await adminFrom(form);
  if (typeof staff === 'string') return { status: 'error', message: staff };
  try {
    return {
      status: 'started',
      job: await adminApi(staff).purge.start.mutate(undefined, { context: operationOf(form) }),
    };
  } catch (error) {
    unstable_rethrow(error);
    return { status: 'error', message: apiError(error).message };
  }
}
