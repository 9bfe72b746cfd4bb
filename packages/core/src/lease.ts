// A running holder keeps its key: its lease is renewed every third of its length, so a duplicate stays refused
// while it works, and a dead holder's key frees up one lease after it died (K11). A renewal the store refuses
// means the key was taken over: the holder's signal aborts so it can stop early (its outcome would be refused).
import { IdemError } from './errors.ts';
import type { FenceRef, IdempotencyStore } from './store.ts';

export interface Lease {
  /** Aborted when the key is taken over. */
  readonly signal: AbortSignal;
  /** Stops renewing (the holder is settling its key). */
  stop(): void;
}

/** Every running renewal of one engine, so close() can stop them all. */
export class Heartbeats {
  readonly #timers = new Set<ReturnType<typeof setInterval>>();

  hold(store: IdempotencyStore, ref: FenceRef, leaseMs: number, renew: boolean): Lease {
    const lost = new AbortController();
    if (!renew) return { signal: lost.signal, stop() {} };
    const stop = (): void => {
      clearInterval(timer);
      this.#timers.delete(timer);
    };
    const timer = setInterval(
      () => {
        store.renew(ref, leaseMs).then(
          (result) => {
            if (result.ok) return;
            stop();
            lost.abort(new IdemError('LEASE_LOST', 'the lease on this key was taken over', { key: ref.key }));
          },
          // A store that cannot be reached now may be back before the lease ends; the fenced complete decides.
          () => {},
        );
      },
      Math.max(5, Math.floor(leaseMs / 3)),
    );
    // A timer must not keep a process alive that has nothing else to do (runtimes without unref ignore this).
    (timer as { unref?: () => void }).unref?.();
    this.#timers.add(timer);
    return { signal: lost.signal, stop };
  }

  stopAll(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
  }
}
