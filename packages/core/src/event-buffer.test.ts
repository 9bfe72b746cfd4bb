import { describe, expect, it } from 'vitest';
import { EventBuffer } from './event-buffer.ts';
import type { IdemEvent } from './events.ts';

const event = (n: number): IdemEvent => ({
  id: `e${String(n).padStart(4, '0')}`,
  keyId: null,
  scope: 's',
  procedure: 'p',
  kind: 'key',
  key: 'k',
  type: 'replay',
  at: n,
  requestId: null,
  fingerprint: null,
  payload: null,
  detail: null,
});

describe('EventBuffer', () => {
  it('writes in order, in batches of at most maxBatch', async () => {
    const batches: string[][] = [];
    const buffer = new EventBuffer(async (b) => void batches.push(b.map((e) => e.id)), {
      maxBatch: 4,
      flushMs: 10_000,
    });
    for (let i = 0; i < 10; i++) buffer.push(event(i));
    await buffer.flush();
    expect(batches.flat()).toEqual(Array.from({ length: 10 }, (_, i) => event(i).id));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    expect(buffer.pending).toBe(0);
  });

  it('keeps events through a failed write and delivers them on the next flush', async () => {
    let fail = true;
    const written: string[] = [];
    const errors: unknown[] = [];
    const buffer = new EventBuffer(
      async (b) => {
        if (fail) throw new Error('store down');
        written.push(...b.map((e) => e.id));
      },
      { flushMs: 10_000, onError: (e) => errors.push(e) },
    );
    buffer.push(event(1));
    buffer.push(event(2));
    await buffer.flush();
    expect(errors).toHaveLength(1);
    expect(buffer.pending).toBe(2);
    fail = false;
    buffer.push(event(3));
    await buffer.flush();
    expect(written).toEqual(['e0001', 'e0002', 'e0003']);
  });

  it('drops the oldest past maxQueue and reports how many', async () => {
    const drops: number[] = [];
    const buffer = new EventBuffer(async () => {}, {
      maxQueue: 3,
      maxBatch: 100,
      flushMs: 10_000,
      onError: (_, n) => drops.push(n),
    });
    for (let i = 0; i < 5; i++) buffer.push(event(i));
    expect(buffer.pending).toBe(3);
    expect(drops).toEqual([1, 1]);
  });
});
