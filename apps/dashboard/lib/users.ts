// Checks a login against the configured staff users, in constant time, and slows down guessing: after five
// failures for one user name within a quarter hour, that name is locked until the quarter hour has passed.
import 'server-only';
import { config, type StaffUser } from './config';
import { verifyPassword } from './password';

const WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES = 5;
// Bounded: guesses under ever new names must not grow it without end. Past the bound, finished windows go
// first, then the oldest.
const MAX_TRACKED = 10_000;
const failures = new Map<string, { count: number; since: number }>();

function track(name: string, now: number): void {
  if (!failures.has(name) && failures.size >= MAX_TRACKED) {
    for (const [n, r] of failures) if (now - r.since > WINDOW_MS) failures.delete(n);
    while (failures.size >= MAX_TRACKED) failures.delete(failures.keys().next().value!);
  }
  const current = failures.get(name) ?? { count: 0, since: now };
  failures.set(name, { count: current.count + 1, since: current.since });
}

export type LoginResult =
  | { readonly ok: true; readonly user: StaffUser }
  | { readonly ok: false; readonly reason: 'invalid' | 'locked' };

export async function checkLogin(name: string, password: string, now = Date.now()): Promise<LoginResult> {
  const record = failures.get(name);
  if (record !== undefined && now - record.since > WINDOW_MS) failures.delete(name);
  if ((failures.get(name)?.count ?? 0) >= MAX_FAILURES) return { ok: false, reason: 'locked' };
  let match: StaffUser | undefined;
  // Check against every user so that timing says nothing about which names exist.
  for (const user of config().users) {
    const same = await verifyPassword(user.password, password);
    if (user.name === name && same) match = user;
  }
  if (match !== undefined) {
    failures.delete(name);
    return { ok: true, user: match };
  }
  track(name, now);
  return { ok: false, reason: 'invalid' };
}
