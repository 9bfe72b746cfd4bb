// The address a dashboard request came from, as the login throttle counts it (x-idem-client-address).

/**
 * The connection's peer; with `trustProxy`, the last X-Forwarded-For hop instead, which is the one the reverse
 * proxy in front appended (earlier hops are whatever the client wrote). IPv4 peers lose their `::ffff:` prefix.
 *
 * @example
 * clientAddress(req, { trustProxy: process.env.IDEM_TRUST_PROXY === '1' }) // '203.0.113.7'
 */
export function clientAddress(req, { trustProxy = false } = {}) {
  const peer = (req.socket?.remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  return hops.at(-1) ?? peer;
}
