// Checks a login against the configured staff users, in constant time, and slows down guessing without letting
// a stranger lock staff out: failures are counted per (user name, client address) and per address, in the app's
// idempotency store through its admin router, so every dashboard process agrees. Five failures of one name from
// one address, or fifty from one address, within a quarter hour, stop that pair or that address for the rest of
// the quarter hour; the same name from another address still signs in.
import 'server-only';
import { adminApi } from './api';
import { config, type StaffUser } from './config';
import { verifyPassword } from './password';

export type LoginResult =
  | { readonly ok: true; readonly user: StaffUser }
  | { readonly ok: false; readonly reason: 'invalid' | 'locked' | 'unavailable'; readonly message?: string };

export async function checkLogin(name: string, password: string, address: string): Promise<LoginResult> {
  const api = adminApi(null);
  const who = { user: name.slice(0, 200), address: address.slice(0, 100) };
  try {
    if (!(await api.login.allowed.query(who)).allowed) return { ok: false, reason: 'locked' };
  } catch (error) {
    return {
      ok: false,
      reason: 'unavailable',
      message: error instanceof Error ? error.message : String(error),
    };
  }
  let match: StaffUser | undefined;
  // Check against every user so that timing says nothing about which names exist.
  for (const user of config().users) {
    const same = await verifyPassword(user.password, password);
    if (user.name === name && same) match = user;
  }
  if (match !== undefined) {
    await api.login.succeeded.mutate(who).catch(() => {});
    return { ok: true, user: match };
  }
  await api.login.failed.mutate(who).catch(() => {});
  return { ok: false, reason: 'invalid' };
}
