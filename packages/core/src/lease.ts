// A running holder keeps its key: its lease is renewed every third of its length, so a duplicate stays refused
// while it works, and a dead holder's key frees up one lease after it died (K11). A renewal the store refuses
// means the key was taken over: the holder's signal aborts so it can stop early (its outcome would be refused).
//
// Most holders finish long before their first renewal is due, so holding a key must cost next to nothing: one
// timer serves every holder of an engine (armed for the earliest renewal due), and a holder's AbortSignal is only
// made when someone reads it.
import { IdemError } from './errors.ts';
import type { FenceRef, IdempotencyStore } from './store.ts';

export interface Lease {
  /** Aborted when the key is taken over. */
  readonly signal: AbortSignal;
  /** Stops renewing (the holder is settling its key). */
  stop(): void;
}

class Held implements Lease {
  #controller: AbortController | undefined;
  #lost: IdemError | undefined;
  dueAt: number;

  constructor(
    readonly store: IdempotencyStore,
    readonly ref: FenceRef,
    readonly leaseMs: number,
    readonly release: (held: Held) => void,
  ) {
    this.dueAt = Date.now() + Held.every(leaseMs);
  }

  static every(leaseMs: number): number {
    return Math.max(5, Math.floor(leaseMs / 3));
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#lost !== undefined) this.#controller.abort(this.#lost);
    }
    return this.#controller.signal;
  }

  lose(): void {
    this.#lost = new IdemError('LEASE_LOST', 'the lease on this key was taken over', { key: this.ref.key });
    this.#controller?.abort(this.#lost);
  }

  stop(): void {
    this.release(this);
  }
}

/** Every holder of one engine whose lease is being renewed, so close() can stop them all. */
export class Heartbeats {
  readonly #held = new Set<Held>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  hold(store: IdempotencyStore, ref: FenceRef, leaseMs: number, renew: boolean): Lease {
    const held = new Held(store, ref, leaseMs, (h) => this.#held.delete(h));
    if (!renew)
      return {
        get signal() {
          return held.signal;
        },
        stop() {},
      };
    this.#held.add(held);
    if (held.dueAt < this.#armedFor) this.#arm(held.dueAt);
    return held;
  }

  stopAll(): void {
    this.#held.clear();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, at - Date.now()));
    // A timer must not keep a process alive that has nothing else to do (runtimes without unref ignore this).
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #tick(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const held of this.#held) {
      if (held.dueAt <= now) {
        held.dueAt = now + Held.every(held.leaseMs);
        held.store.renew(held.ref, held.leaseMs).then(
          (result) => {
            if (result.ok || !this.#held.has(held)) return;
            this.#held.delete(held);
            held.lose();
          },
          // A store that cannot be reached now may be back before the lease ends; the fenced complete decides.
          () => {},
        );
      }
      if (held.dueAt < next) next = held.dueAt;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }
}
