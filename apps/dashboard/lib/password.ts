// Staff passwords as the environment holds them: a scrypt hash (`scrypt$…`, made by `npm run hash-password`),
// so a leaked environment does not leak the passwords, or plain text, which demo mode and quick trials use.
// scrypt is Node's own (node:crypto), memory-hard, and runs on libuv's pool: a login never blocks the server.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const PREFIX = 'scrypt$';
// N = 2^15, r = 8, p = 1: about 32 MiB and 50–100 ms per check here, OWASP's floor for scrypt.
const DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

interface ScryptHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }, length: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, length, { ...params, maxmem: 256 * params.N * params.r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Whether a configured password is a scrypt hash rather than plain text. */
export const isPasswordHash = (stored: string): boolean => stored.startsWith(PREFIX);

/** Parses `scrypt$N$r$p$salt$hash` (salt and hash base64url); undefined when it is not well formed. */
export function parsePasswordHash(stored: string): ScryptHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const hash = Buffer.from(parts[5]!, 'base64url');
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1) return undefined;
  if (N > 2 ** 20 || r > 32 || p > 16 || salt.length < 16 || hash.length < 16) return undefined;
  return { N, r, p, salt, hash };
}

/**
 * Hashes a password for IDEM_DASHBOARD_USERS.
 *
 * @example
 * await hashPassword('correct horse battery staple') // 'scrypt$32768$8$1$…$…'
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, DEFAULTS, KEY_LENGTH);
  const { N, r, p } = DEFAULTS;
  return `${PREFIX}${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether `given` is the password `stored` (a scrypt hash or plain text) stands for, in constant time. */
export async function verifyPassword(stored: string, given: string): Promise<boolean> {
  if (isPasswordHash(stored)) {
    const parsed = parsePasswordHash(stored);
    if (parsed === undefined) return false;
    const key = await derive(given, parsed.salt, parsed, parsed.hash.length);
    return timingSafeEqual(key, parsed.hash);
  }
  // Plain text: compare digests of equal length so the time says nothing about the password's length.
  return timingSafeEqual(digest(stored), digest(given));
}
