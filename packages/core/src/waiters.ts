// In-process wake-ups for duplicates waiting on a key (in-flight modes `wait` and `serialize`): a waiter
// sleeps on a promise, not in a polling loop, and wakes when this process changes the key or its time is up.

export class ChangeWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();

  /**
   * Resolves on notify(id), on timeout or on abort; never rejects. `stillWaiting` runs once the waiter is
   * registered: a change that happened between the caller's read and this call is seen there, and one that
   * happens after it wakes the waiter, so no wake-up is lost.
   */
  wait(
    id: string,
    timeoutMs: number,
    signal?: AbortSignal,
    stillWaiting?: () => Promise<boolean>,
  ): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let set = this.#waiting.get(id);
      if (set === undefined) {
        set = new Set();
        this.#waiting.set(id, set);
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const current = this.#waiting.get(id);
        current?.delete(done);
        if (current?.size === 0) this.#waiting.delete(id);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
      stillWaiting?.().then(
        (waiting) => {
          if (!waiting) done();
        },
        () => done(),
      );
    });
  }

  notify(id: string): void {
    const set = this.#waiting.get(id);
    if (set === undefined) return;
    for (const wake of [...set]) wake();
  }

  /** How many waiters sleep on any key (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.#waiting.values()) n += set.size;
    return n;
  }
}
