// The API's configuration, read from the environment in this one place and validated.
import { z } from 'zod';

/** The demo callers `npm start` creates: caller id → API key. Refused in production. */
export const DEMO_API_KEYS: Readonly<Record<string, string>> = {
  'demo-a': 'demo-key-a',
  'demo-b': 'demo-key-b',
};

/** What support staff call the demo callers (IDEM_CALLER_NAMES sets them for real ones). */
export const DEMO_CALLER_NAMES: Readonly<Record<string, string>> = {
  'demo-a': 'Demo Shop A',
  'demo-b': 'Demo Shop B',
};

/** The admin token demo mode uses when IDEM_ADMIN_TOKEN is unset; the dashboard's demo default. Refused in production. */
export const DEMO_ADMIN_TOKEN = 'demo-admin-token';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().optional(),
  IDEM_MODE: z.enum(['demo', 'production']).optional(),
  /** Callers as `caller-id:api-key` pairs, comma-separated. */
  IDEM_API_KEYS: z.string().optional(),
  /** What support staff call each caller, as `caller-id:name` pairs, comma-separated (shown and searched). */
  IDEM_CALLER_NAMES: z.string().optional(),
  /** Interval between purges of expired keys (K7); 0 turns the purge off. */
  IDEM_PURGE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10 * 60 * 1000),
  /** Overrides every policy's lease (K11): how long a crashed request blocks its key. Unset: each policy's own. */
  IDEM_LEASE_MS: z.coerce.number().int().min(100).optional(),
  /**
   * The credential of the admin router (the dashboard's server sends it as Authorization: Bearer). Required in
   * production, at least 16 characters; demo mode defaults to DEMO_ADMIN_TOKEN.
   */
  IDEM_ADMIN_TOKEN: z.string().optional(),
  /** How long events (a key's story in the dashboard) are kept; the background purge deletes older ones. */
  IDEM_EVENT_RETENTION_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(30 * 24 * 60 * 60 * 1000),
  /** Connections to PostgreSQL for the domain (Prisma) and for the key store (node-postgres), per process. */
  IDEM_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  IDEM_STORE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(5),
  NODE_ENV: z.string().optional(),
});

export interface ApiConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  mode: 'demo' | 'production';
  /** API key → caller id. */
  apiKeys: ReadonlyMap<string, string>;
  /**
   * Caller id → what support staff search for: its name and the last characters of each of its API keys
   * (`Demo Shop A · key …ey-a`), never a whole key.
   */
  callerNames: Readonly<Record<string, string>>;
  purgeIntervalMs: number;
  /** Lease override for every policy (IDEM_LEASE_MS), or undefined to keep each policy's own. */
  leaseMs: number | undefined;
  /** PostgreSQL pool sizes per process (domain, key store); many processes must stay under max_connections. */
  poolSize: number;
  eventRetentionMs: number;
  storePoolSize: number;
  /** The admin router's bearer token (dashboard → API). */
  adminToken: string;
}

function parseNames(text: string | undefined): Record<string, string> {
  const names: Record<string, string> = {};
  for (const pair of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf(':');
    if (at <= 0 || at === pair.length - 1)
      throw new Error(`IDEM_CALLER_NAMES: "${pair}" is not caller-id:name`);
    names[pair.slice(0, at)] = pair.slice(at + 1).trim();
  }
  return names;
}

/** Each caller's name with the last four characters of each of its keys: enough to tell keys apart, not to use one. */
function callerNames(
  apiKeys: ReadonlyMap<string, string>,
  names: Record<string, string>,
): Record<string, string> {
  const labels = new Map<string, string[]>();
  for (const [key, caller] of apiKeys)
    labels.set(caller, [...(labels.get(caller) ?? []), `key …${key.slice(-4)}`]);
  return Object.fromEntries(
    [...labels].map(([caller, keys]) => [caller, [names[caller] ?? caller, ...keys].join(' · ')]),
  );
}

function parseKeys(text: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  for (const pair of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf(':');
    if (at <= 0 || at === pair.length - 1)
      throw new Error(`IDEM_API_KEYS: "${pair}" is not caller-id:api-key`);
    keys.set(pair.slice(at + 1), pair.slice(0, at));
  }
  return keys;
}

/**
 * Reads and checks the configuration; throws with a message that names the variable.
 *
 * @example
 * IDEM_MODE=production IDEM_API_KEYS=acme:sk_live_123 IDEM_ADMIN_TOKEN=… DATABASE_URL=postgres://… npm start
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid environment: ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const mode = e.IDEM_MODE ?? (e.NODE_ENV === 'production' ? 'production' : 'demo');
  const apiKeys = parseKeys(e.IDEM_API_KEYS);
  if (mode === 'demo') {
    for (const [caller, key] of Object.entries(DEMO_API_KEYS))
      if (!apiKeys.has(key)) apiKeys.set(key, caller);
  } else {
    const demo = [...apiKeys.keys()].filter((k) => Object.values(DEMO_API_KEYS).includes(k));
    if (demo.length > 0)
      throw new Error(`production mode refuses the demo API keys (${demo.join(', ')}): set IDEM_API_KEYS`);
    if (apiKeys.size === 0)
      throw new Error('production mode needs IDEM_API_KEYS (caller-id:api-key, comma-separated)');
  }
  const adminToken = e.IDEM_ADMIN_TOKEN?.trim() || (mode === 'demo' ? DEMO_ADMIN_TOKEN : '');
  if (mode === 'production') {
    if (adminToken === '')
      throw new Error("production mode needs IDEM_ADMIN_TOKEN (the dashboard's credential)");
    if (adminToken === DEMO_ADMIN_TOKEN)
      throw new Error('production mode refuses the demo IDEM_ADMIN_TOKEN: set a secret of your own');
    if (adminToken.length < 16)
      throw new Error('IDEM_ADMIN_TOKEN must be at least 16 characters in production');
  }
  const names = { ...(mode === 'demo' ? DEMO_CALLER_NAMES : {}), ...parseNames(e.IDEM_CALLER_NAMES) };
  if (apiKeys.has(adminToken))
    throw new Error('IDEM_ADMIN_TOKEN must differ from every API key: it grants the admin router');
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    mode,
    apiKeys,
    callerNames: callerNames(apiKeys, names),
    purgeIntervalMs: e.IDEM_PURGE_INTERVAL_MS,
    leaseMs: e.IDEM_LEASE_MS,
    poolSize: e.IDEM_DB_POOL_SIZE,
    eventRetentionMs: e.IDEM_EVENT_RETENTION_MS,
    storePoolSize: e.IDEM_STORE_POOL_SIZE,
    adminToken,
  };
}
