// The app's configuration, read from the environment in this one place and checked before anything starts.
import type { StaffRole } from '@idem/admin';

/** A credential a support tool (idem's dashboard, the `idem` CLI) presents, and the most it may do. */
export interface StaffToken {
  readonly name: string;
  /** `admin` may release, void and purge; `support` only reads, whatever role the tool claims. */
  readonly role: StaffRole;
  readonly token: string;
}

export interface Env {
  readonly databaseUrl: string;
  readonly port: number;
  readonly host: string;
  /** API key → the caller it authenticates. */
  readonly apiKeys: ReadonlyMap<string, string>;
  readonly staffTokens: readonly StaffToken[];
  /** Keys the fingerprints staff see (HMAC), so a shown fingerprint cannot be used to test guesses of a secret. */
  readonly fingerprintSecret: string;
}

function entries(name: string, text: string | undefined, parts: number): string[][] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const fields = entry.split(':');
      if (fields.length !== parts || fields.some((f) => f === ''))
        throw new Error(`${name}: "${entry}" does not have ${parts} non-empty parts separated by ':'`);
      return fields;
    });
}

export function loadEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const databaseUrl = env.DATABASE_URL ?? '';
  if (!/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new Error('DATABASE_URL must be a postgres:// URL of the database the app uses');
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('PORT must be a port number');

  // API_KEYS=caller:key,…  (acme:sk_live_…)
  const apiKeys = new Map(entries('API_KEYS', env.API_KEYS, 2).map(([caller, key]) => [key!, caller!]));
  // STAFF_TOKENS=name:admin|support:token,…  (one per dashboard or CLI deployment)
  const staffTokens = entries('STAFF_TOKENS', env.STAFF_TOKENS, 3).map(([name, role, token]) => {
    if (role !== 'admin' && role !== 'support')
      throw new Error(`STAFF_TOKENS: the role of "${name}" must be admin or support`);
    if (token!.length < 16) throw new Error(`STAFF_TOKENS: the token of "${name}" needs 16+ characters`);
    return { name: name!, role, token: token! } satisfies StaffToken;
  });
  const fingerprintSecret = env.IDEM_FINGERPRINT_SECRET ?? '';
  if (fingerprintSecret.length < 16) throw new Error('IDEM_FINGERPRINT_SECRET needs 16+ characters');

  return { databaseUrl, port, host: env.HOST || '127.0.0.1', apiKeys, staffTokens, fingerprintSecret };
}
