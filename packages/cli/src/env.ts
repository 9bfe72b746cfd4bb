// Every environment variable the CLI reads, in this one place. Flags win over these; these win over defaults.

/** The environment, as the CLI reads it (a plain record, so tests and embedders can pass their own). */
export type Env = Readonly<Record<string, string | undefined>>;

const set = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

export interface CliEnv {
  /** The app's tRPC endpoint (IDEM_ADMIN_URL), or the demo API's base (IDEM_API_URL) with /trpc added. */
  readonly adminUrl: string | undefined;
  readonly adminPath: string | undefined;
  readonly adminToken: string | undefined;
  readonly adminTransformer: string | undefined;
  readonly adminActor: string | undefined;
  readonly adminRole: string | undefined;
  /** IDEM_DATABASE_URL, else DATABASE_URL: the more specific one wins when an app has both. */
  readonly databaseUrl: string | undefined;
  /** NO_COLOR (https://no-color.org) and FORCE_COLOR, as most CLIs read them. */
  readonly noColor: boolean;
  readonly forceColor: boolean;
  readonly term: string | undefined;
  /** IDEM_DEBUG=1 adds the stack to an unexpected error, for bug reports. */
  readonly debug: boolean;
}

export function readEnv(env: Env): CliEnv {
  const apiUrl = set(env.IDEM_API_URL);
  return {
    adminUrl:
      set(env.IDEM_ADMIN_URL) ?? (apiUrl === undefined ? undefined : `${apiUrl.replace(/\/+$/, '')}/trpc`),
    adminPath: set(env.IDEM_ADMIN_PATH),
    adminToken: set(env.IDEM_ADMIN_TOKEN),
    adminTransformer: set(env.IDEM_ADMIN_TRANSFORMER),
    adminActor: set(env.IDEM_ADMIN_ACTOR),
    adminRole: set(env.IDEM_ADMIN_ROLE),
    databaseUrl: set(env.IDEM_DATABASE_URL) ?? set(env.DATABASE_URL),
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    forceColor: env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0',
    term: env.TERM,
    debug: env.IDEM_DEBUG === '1' || env.IDEM_DEBUG === 'true',
  };
}
