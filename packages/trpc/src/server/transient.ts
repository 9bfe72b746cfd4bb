// Whether an error means "the database could not be reached or dropped the connection" rather than "the
// procedure failed". Inside idem.transaction() such a failure rolled everything back, so the right answer is
// 503 and a released key (the retry runs), never a stored 500 that would replay forever.

const TRANSIENT_CODES = new Set([
  // Prisma: cannot reach, timed out, closed by the server, pool timeout, transaction API, write conflict.
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  'P2028',
  'P2034',
  // Node sockets.
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  // PostgreSQL SQLSTATE: connection exceptions, shutdowns, serialization failure, deadlock.
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '40001',
  '40P01',
  // SQLite: the database file is locked by another process for longer than the busy timeout.
  'SQLITE_BUSY',
]);

// Prisma's driver adapters (7.x) classify what the driver reported; these kinds mean "the database, not the query".
const TRANSIENT_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
  'TransactionAlreadyClosed',
]);

// What node-postgres and Prisma say when the connection went away; seen in the outage suite, where the first query
// after a terminated backend may fail with any of them depending on timing.
const TRANSIENT_MESSAGE =
  /connection (?:terminated|closed|refused|reset|lost)|server (?:has )?closed the connection|not queryable|can't reach database|terminating connection|database is locked/i;

/**
 * The default test for transient database failures: walks the error and its causes for known codes and messages.
 *
 * @example
 * createIdempotency({ …, isTransient: (e) => isTransientDatabaseError(e) || e instanceof MyDriverTimeout })
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  for (let current = queue.pop(); current !== undefined; current = queue.pop()) {
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const e = current as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      kind?: unknown;
      originalCode?: unknown;
      meta?: { driverAdapterError?: unknown } | null;
    };
    if (e.name === 'PrismaClientInitializationError' || e.name === 'PrismaClientRustPanicError') return true;
    if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
    if (typeof e.originalCode === 'string' && TRANSIENT_CODES.has(e.originalCode)) return true;
    if (typeof e.kind === 'string' && TRANSIENT_KINDS.has(e.kind)) return true;
    if (typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message)) return true;
    // A Prisma request error carries the adapter's error in its meta, besides any cause.
    queue.push(e.cause, e.meta?.driverAdapterError);
  }
  return false;
}
