// Cross-process wake-ups on PostgreSQL: the Prisma store NOTIFYs a channel when a key that duplicates may be
// waiting on is completed, abandoned or released; every API process LISTENs on one dedicated connection and
// wakes its local waiters. A waiter sleeps until then instead of polling the database.
import pg from 'pg';

export interface PgChangeFeed {
  /** Calls `listener` with each notification payload (the key's identity). */
  subscribe(listener: (id: string) => void): () => void;
  close(): Promise<void>;
}

/**
 * @example
 * const feed = await createPgChangeFeed({ url: process.env.DATABASE_URL! });
 * const store = createSqlStore({ client: db.prisma, dialect: 'postgresql', changeFeed: feed });
 */
export async function createPgChangeFeed(options: { url: string; channel?: string }): Promise<PgChangeFeed> {
  const channel = options.channel ?? 'idem_keys';
  const listeners = new Set<(id: string) => void>();
  let client: pg.Client | null = null;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.url });
    c.on('notification', (message) => {
      if (message.channel !== channel || message.payload === undefined) return;
      for (const listener of listeners) listener(message.payload);
    });
    // A lost connection only delays wake-ups (waiters still wake when their lease ends): reconnect quietly.
    c.on('error', () => reconnect());
    c.on('end', () => reconnect());
    await c.connect();
    await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    client = c;
  };
  const reconnect = (): void => {
    if (closed || retry !== null) return;
    client = null;
    retry = setTimeout(() => {
      retry = null;
      connect().catch(() => reconnect());
    }, 1000);
    retry.unref?.();
  };

  await connect();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      if (retry !== null) clearTimeout(retry);
      listeners.clear();
      await client?.end().catch(() => {});
    },
  };
}
