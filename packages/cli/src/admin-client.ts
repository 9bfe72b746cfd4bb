// The typed client of the app's admin router, built the way idem's dashboard builds it: calls prefixed with the
// mount path, actions sent through idem's own client link (one key per command, reused on its retries, so a
// release or purge retried after a dropped response acts once), and the token and the person acting as headers.
import { type AdminRouter, mountedAt } from '@idem/admin/client';
import { idempotencyHeaders, idempotencyLink } from '@idem/trpc/client';
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import type { Connection } from './connection.ts';

export type AdminClient = TRPCClient<AdminRouter>;

/** An answer slower than this is reported as an unreachable API rather than waited for forever. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** superjson's wire form: `{ json, meta? }` and nothing else. */
const superjsonShaped = (value: unknown): boolean =>
  value !== null &&
  typeof value === 'object' &&
  'json' in value &&
  Object.keys(value).every((k) => k === 'json' || k === 'meta');

/**
 * The app's transformer, refusing an answer in the other's form. Without the check, a mismatch does not fail: a
 * superjson client reads a plain answer as `undefined`, a plain client reads `{ json }`, and the command goes on
 * with nonsense. A throw here becomes tRPC's "Unable to transform response", which apiFailure explains.
 */
function transformerFor(name: Connection['transformer']) {
  if (name === 'superjson')
    return {
      serialize: (v: unknown) => superjson.serialize(v),
      deserialize: (v: unknown) => {
        // `{}` is how superjson's `{ json: undefined }` arrives.
        const empty = v !== null && typeof v === 'object' && Object.keys(v).length === 0;
        if (!superjsonShaped(v) && !empty) throw new Error('not a superjson answer');
        return superjson.deserialize(v as Parameters<typeof superjson.deserialize>[0]);
      },
    };
  return {
    serialize: (v: unknown) => v,
    deserialize: (v: unknown) => {
      if (superjsonShaped(v)) throw new Error('a superjson answer');
      return v;
    },
  };
}

/** fetch, with each request abandoned after `ms`. */
function fetchWithin(ms: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}

export function adminClient(connection: Connection): AdminClient {
  return createTRPCClient<AdminRouter>({
    links: [
      mountedAt(connection.path),
      idempotencyLink({ retry: { attempts: 3, maxDelayMs: 2_000 } }),
      httpLink({
        url: connection.url,
        transformer: transformerFor(connection.transformer),
        fetch: fetchWithin(REQUEST_TIMEOUT_MS),
        headers: idempotencyHeaders({
          authorization: `Bearer ${connection.token}`,
          'x-idem-actor': connection.actor,
          'x-idem-role': connection.role,
        }),
      }),
    ],
  });
}
