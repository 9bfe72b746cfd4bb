// Retention (K7): expired keys, and events past their retention, are deleted in bounded batches, yielding between
// batches so requests waiting on the same process and database go first.
import { guard } from './guard.ts';
import { idFloor } from './ids.ts';
import type { IdempotencyStore } from './store.ts';

export interface PurgeProgress {
  deleted: number;
  batches: number;
}

export interface PurgeOptions {
  /** Keys deleted per statement (default 1000): small enough that writers never wait long. */
  batchSize?: number;
  /** Stop after this many batches (default: until nothing is left). */
  maxBatches?: number;
  signal?: AbortSignal;
  onProgress?: (progress: PurgeProgress) => void;
}

// setImmediate where there is one (Node, Bun, Deno), else a macrotask.
const yieldTurn = (): Promise<void> =>
  new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );

export async function purgeExpired(store: IdempotencyStore, opts: PurgeOptions): Promise<PurgeProgress> {
  const batchSize = opts.batchSize ?? 1000;
  const maxBatches = opts.maxBatches ?? Number.POSITIVE_INFINITY;
  const progress: PurgeProgress = { deleted: 0, batches: 0 };
  while (progress.batches < maxBatches && !opts.signal?.aborted) {
    const deleted = await guard('purge', () => store.purgeExpired(batchSize));
    progress.batches++;
    progress.deleted += deleted;
    opts.onProgress?.({ ...progress });
    if (deleted < batchSize) break;
    await yieldTurn();
  }
  return progress;
}

export async function purgeEvents(
  store: IdempotencyStore,
  opts: { olderThanMs: number; batchSize?: number; signal?: AbortSignal },
): Promise<number> {
  const purge = store.purgeEventsBefore?.bind(store);
  if (purge === undefined) return 0;
  const before = idFloor((await guard('now', () => store.now())) - opts.olderThanMs);
  const batchSize = opts.batchSize ?? 1000;
  let deleted = 0;
  while (!opts.signal?.aborted) {
    const n = await guard('purge events', () => purge(before, batchSize));
    deleted += n;
    if (n < batchSize) break;
    await yieldTurn();
  }
  return deleted;
}
