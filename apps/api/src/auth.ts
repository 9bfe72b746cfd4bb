// Callers authenticate with an API key the way each seed's own clients send it: `x-api-key` (seeds 000, 002,
// 003, 004), `Authorization: Bearer <key>` (seed 001), or `Authorization: ApiKey <key>`, the scheme the published
// Novu SDK sends (seed 002's own client).
export interface Caller {
  /** Stable id: the scope every idempotency key of this caller belongs to (K9). */
  readonly id: string;
}

const AUTHORIZATION = /^(?:Bearer|ApiKey)\s+(\S+)\s*$/i;

export function resolveCaller(
  header: (name: string) => string | undefined,
  keys: ReadonlyMap<string, string>,
): Caller | null {
  const fromAuthorization = header('authorization')?.match(AUTHORIZATION)?.[1];
  const key = header('x-api-key')?.trim() || fromAuthorization;
  if (!key) return null;
  const id = keys.get(key);
  return id === undefined ? null : { id };
}
