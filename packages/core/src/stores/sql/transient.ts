// Whether an error means "the database could not be reached or dropped the connection" rather than "the
// statement failed". Inside a transaction such a failure rolled everything back, so the right answer is 503 and
// a released key (the retry runs), never a stored 500 that would replay forever. Each driver knows its own
// codes; they share the walk over an error and its causes.

/** Walks an error, its `cause` chain and Prisma's wrapped adapter error, until `test` holds for one of them. */
export function someError(error: unknown, test: (e: ErrorLike) => boolean): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  for (let current = queue.pop(); current !== undefined; current = queue.pop()) {
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const e = current as ErrorLike;
    if (test(e)) return true;
    queue.push(e.cause, e.meta?.driverAdapterError);
  }
  return false;
}

export interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  meta?: { driverAdapterError?: unknown } | null;
}

// PostgreSQL SQLSTATE: connection exceptions, shutdowns, serialization failure, deadlock; Node's socket codes.
const PG_CODES = new Set([
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
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

// What node-postgres says when the connection went away; the first query after a terminated backend may fail with
// any of these depending on timing.
const PG_MESSAGE =
  /connection (?:terminated|closed|refused|reset|lost)|server (?:has )?closed the connection|not queryable|terminating connection|timeout exceeded when trying to connect/i;

export function isTransientPgError(error: unknown): boolean {
  return someError(
    error,
    (e) =>
      (typeof e.code === 'string' && PG_CODES.has(e.code)) ||
      (typeof e.message === 'string' && PG_MESSAGE.test(e.message)),
  );
}

/** SQLite: the file is locked by another connection for longer than the busy timeout. */
export function isTransientSqliteError(error: unknown): boolean {
  return someError(
    error,
    (e) =>
      (typeof e.code === 'string' && /^SQLITE_(?:BUSY|LOCKED)/.test(e.code)) ||
      (typeof e.message === 'string' && /database is locked/i.test(e.message)),
  );
}

// Prisma: cannot reach, timed out, closed by the server, pool timeout, transaction API, write conflict.
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034']);
// Prisma's driver adapters (7.x) classify what the driver reported; these kinds mean "the database, not the query".
const PRISMA_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
  'TransactionAlreadyClosed',
]);

export function isTransientPrismaError(error: unknown): boolean {
  return (
    someError(
      error,
      (e) =>
        e.name === 'PrismaClientInitializationError' ||
        e.name === 'PrismaClientRustPanicError' ||
        (typeof e.code === 'string' && PRISMA_CODES.has(e.code)) ||
        (typeof e.originalCode === 'string' && PG_CODES.has(e.originalCode)) ||
        (typeof e.kind === 'string' && PRISMA_KINDS.has(e.kind)) ||
        (typeof e.message === 'string' && /can't reach database/i.test(e.message)),
    ) ||
    isTransientPgError(error) ||
    isTransientSqliteError(error)
  );
}
