// The pending-operation journal (C3): an operation is written before it is sent and cleared once its outcome
// is known (a stored error included), so a process that restarts retries it with its original key and input.
// A journal that cannot be written is an error the caller sees, never a silently dropped operation.

/** One mutation sent but not yet known to have an outcome. */
export interface JournalEntry {
  /** The idempotency key: also the entry's id. */
  readonly key: string;
  /** The tRPC procedure path. */
  readonly path: string;
  /** The input, serialised by the journal's codec (superjson keeps Dates and friends). */
  readonly input: string;
  /** Epoch ms when first written. */
  readonly createdAt: number;
}

export interface Journal {
  put(entry: JournalEntry): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every pending entry, oldest first. Unreadable entries are reported (onCorrupt), kept aside, not dropped. */
  list(): Promise<JournalEntry[]>;
}

/** A journal failure: code JOURNAL_WRITE_FAILED (the operation was not sent) or JOURNAL_CORRUPT. */
export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(
    readonly code: 'JOURNAL_WRITE_FAILED' | 'JOURNAL_CORRUPT',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function parseEntry(text: string): JournalEntry | null {
  try {
    const e = JSON.parse(text) as Partial<JournalEntry>;
    return typeof e.key === 'string' &&
      typeof e.path === 'string' &&
      typeof e.input === 'string' &&
      typeof e.createdAt === 'number'
      ? (e as JournalEntry)
      : null;
  } catch {
    return null;
  }
}

/** The part of the Web Storage API the browser journal uses (localStorage, sessionStorage). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  readonly length: number;
  key(index: number): string | null;
}

/**
 * A journal in Web Storage, for browsers. A full storage (QuotaExceededError) fails the put, so the caller
 * learns the operation is not durable before it is sent.
 *
 * @example
 * idempotencyLink({ journal: storageJournal(window.localStorage) })
 */
export function storageJournal(
  storage: StorageLike,
  options: { prefix?: string; onCorrupt?: (name: string, error: JournalError) => void } = {},
): Journal {
  const prefix = options.prefix ?? 'idem:pending:';
  return {
    async put(entry) {
      try {
        storage.setItem(prefix + entry.key, JSON.stringify(entry));
      } catch (cause) {
        throw new JournalError(
          'JOURNAL_WRITE_FAILED',
          `could not journal operation ${entry.key}: ${(cause as Error).message}`,
          { cause },
        );
      }
    },
    async delete(key) {
      storage.removeItem(prefix + key);
    },
    async list() {
      const entries: JournalEntry[] = [];
      for (let i = 0; i < storage.length; i++) {
        const name = storage.key(i);
        if (name === null || !name.startsWith(prefix)) continue;
        const entry = parseEntry(storage.getItem(name) ?? '');
        if (entry) entries.push(entry);
        else
          options.onCorrupt?.(
            name,
            new JournalError('JOURNAL_CORRUPT', `journal entry ${name} is unreadable; kept in place`),
          );
      }
      return entries.sort((a, b) => a.createdAt - b.createdAt);
    },
  };
}

export { parseEntry as parseJournalEntry };
