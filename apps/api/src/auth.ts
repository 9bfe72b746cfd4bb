// Callers authenticate with an API key, as `x-api-key` or `Authorization: Bearer` (seeds 000 and 001).
export interface Caller {
  /** Stable id: the scope every idempotency key of this caller belongs to (K9). */
  readonly id: string;
}

export function resolveCaller(
  header: (name: string) => string | undefined,
  keys: ReadonlyMap<string, string>,
): Caller | null {
  const bearer = header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  const key = header('x-api-key')?.trim() || bearer;
  if (!key) return null;
  const id = keys.get(key);
  return id === undefined ? null : { id };
}
