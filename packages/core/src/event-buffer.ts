// Events are written behind the request, in batches: one multi-row insert per few milliseconds instead of one
// round trip per replay (the request log, requests.ts, has a buffer of its own). They are observability, not the
// guarantee: the key row is written synchronously and decides every outcome. A crash may lose the last few
// milliseconds of events, never a key.
import type { IdemEvent } from './events.ts';

export interface EventBufferOptions {
  /** Flush once this many events wait (default 256). */
  maxBatch?: number;
  /** Flush at most this long after the first waiting event (default 10 ms). */
  flushMs?: number;
  /** Events kept while the store refuses writes; the oldest are dropped past this (default 100 000). */
  maxQueue?: number;
  /** Told about every failed write and every drop; defaults to console.error. */
  onError?: (error: unknown, dropped: number) => void;
}

export class EventBuffer<T = IdemEvent> {
  readonly #write: (events: readonly T[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #flushMs: number;
  readonly #maxQueue: number;
  readonly #onError: (error: unknown, dropped: number) => void;
  #queue: T[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushing: Promise<void> | null = null;

  constructor(write: (events: readonly T[]) => Promise<void>, options: EventBufferOptions = {}) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#flushMs = options.flushMs ?? 10;
    this.#maxQueue = options.maxQueue ?? 100_000;
    this.#onError =
      options.onError ??
      ((error, dropped) => console.error(`[idem] event write failed (${dropped} dropped)`, error));
  }

  /** Number of events not yet written. */
  get pending(): number {
    return this.#queue.length;
  }

  push(event: T): void {
    this.#queue.push(event);
    if (this.#queue.length > this.#maxQueue) {
      const dropped = this.#queue.length - this.#maxQueue;
      this.#queue.splice(0, dropped);
      this.#onError(new Error('event queue full'), dropped);
    }
    // A write under way takes what arrives meanwhile when it ends (#drain): starting another flush per push would
    // queue one waiter per event behind a slow store, each woken at every write, CPU that grows with the backlog.
    if (this.#flushing !== null) return;
    if (this.#queue.length >= this.#maxBatch) void this.flush();
    else if (this.#timer === null) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushMs);
      this.#timer.unref?.();
    }
  }

  /** Writes everything queued so far; resolves when it is stored (or reported as failed). */
  async flush(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    // One writer at a time keeps events in order; a flush during a flush waits for it, then writes the rest.
    while (this.#flushing !== null) await this.#flushing;
    if (this.#queue.length === 0) return;
    this.#flushing = this.#drain();
    await this.#flushing;
  }

  /** Writes batches until the queue is empty, or puts a failed batch back and stops until the next flush. */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        try {
          await this.#write(batch);
        } catch (error) {
          // Back at the front, so a store that comes back gets it; maxQueue bounds the memory this can take.
          this.#queue.unshift(...batch);
          this.#onError(error, 0);
          return;
        }
      }
    } finally {
      this.#flushing = null;
    }
  }
}
