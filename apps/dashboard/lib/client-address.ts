// Where a login attempt comes from, for the throttle that counts failures per address (lib/users.ts).

/** The header bin/idem-dashboard.mjs sets on every request from the connection, replacing any a client sent. */
export const CLIENT_ADDRESS_HEADER = 'x-idem-client-address';

/**
 * The signed-out visitor's address. Served by bin/idem-dashboard.mjs (`npm start`, the published package), it is
 * the one that server saw; only there, because anywhere else (`next dev`, a bare `next start`) a client could
 * write the header itself. Elsewhere, the nearest hop of X-Forwarded-For, which Next sets from the connection
 * unless a client sent one.
 *
 * @example
 * loginAddress((name) => headers.get(name), config().clientAddressFromFront) // '203.0.113.7'
 */
export function loginAddress(header: (name: string) => string | null, fromFront: boolean): string {
  if (fromFront) return header(CLIENT_ADDRESS_HEADER) || 'unknown';
  const hops = (header('x-forwarded-for') ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  return hops.at(-1) ?? 'unknown';
}
