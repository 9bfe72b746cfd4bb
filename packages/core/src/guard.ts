import { IdemError } from './errors.ts';

/**
 * Runs a store operation; anything it throws that is not already an IdemError means the store could not answer,
 * and becomes STORE_UNAVAILABLE, so callers fail closed on one code.
 */
export async function guard<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (cause) {
    if (cause instanceof IdemError) throw cause;
    throw new IdemError(
      'STORE_UNAVAILABLE',
      `idempotency store unavailable during ${what}`,
      { operation: what },
      { cause },
    );
  }
}
