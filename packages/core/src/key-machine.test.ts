// The reducer alone, without I/O: every transition of a key, named by the SPEC behaviour it implements.
import { describe, expect, it } from 'vitest';
import { fingerprint } from './fingerprint.ts';
import { type BeginInput, type KeyEvent, reduceKey } from './key-machine.ts';
import type { MismatchAction } from './policy.ts';
import type { KeyRecord } from './record.ts';

const T0 = 1_800_000_000_000;

function input(
  payload: unknown = { a: 1 },
  onMismatch: MismatchAction = 'conflict',
  ttlMs: number | null = 1000,
): BeginInput {
  return {
    scope: 's',
    procedure: 'p',
    kind: 'key',
    key: 'k',
    fingerprint: fingerprint({ value: payload }),
    policy: { name: 'test', ttlMs, leaseMs: 100, onMismatch },
    requestId: 'r',
    leaseOwner: 'me',
    requestPayload: JSON.stringify(payload),
    naturalId: null,
  };
}

const begin = (now: number, i: BeginInput = input()): Extract<KeyEvent, { type: 'begin' }> => ({
  type: 'begin',
  now,
  id: 'id-1',
  input: i,
});
const outcome = { ok: true, status: 201, body: '{"id":1}' };

function claimed(now = T0, i = input()): KeyRecord {
  const { state } = reduceKey(undefined, begin(now, i));
  return state!;
}

function completed(now = T0, i = input()): KeyRecord {
  return reduceKey(claimed(now, i), { type: 'complete', now: now + 10, id: 'id-1', fence: 1, outcome })
    .state!;
}

describe('reduceKey', () => {
  it('K1: begin on nothing claims the key in flight, fence 1, lease and TTL from now', () => {
    const { state, answer } = reduceKey(undefined, begin(T0));
    expect(answer).toMatchObject({ kind: 'execute', reason: 'new' });
    expect(state).toMatchObject({
      id: 'id-1',
      status: 'in_flight',
      fence: 1,
      leaseExpiresAt: T0 + 100,
      expiresAt: T0 + 1000,
    });
  });

  it('K2: begin on a completed key with the same payload replays and changes nothing', () => {
    const record = completed();
    const { state, answer } = reduceKey(record, begin(T0 + 20));
    expect(answer).toEqual({ kind: 'replay', record, outcome, mismatch: false });
    expect(state).toBe(record);
  });

  it('K3: another payload conflicts, whether completed or in flight', () => {
    expect(reduceKey(completed(), begin(T0 + 20, input({ a: 2 }))).answer.kind).toBe('conflict');
    expect(reduceKey(claimed(), begin(T0 + 20, input({ a: 2 }))).answer.kind).toBe('conflict');
  });

  it('K4: a duplicate under a live lease is in flight, with the lease time left', () => {
    const { answer } = reduceKey(claimed(), begin(T0 + 30));
    expect(answer).toMatchObject({ kind: 'in_flight', leaseRemainingMs: 70 });
  });

  it('K11: a duplicate after the lease ended takes over: fence + 1, same id, same expiry', () => {
    const { state, answer } = reduceKey(claimed(), begin(T0 + 100));
    expect(answer).toMatchObject({ kind: 'execute', reason: 'lease_expired' });
    expect(state).toMatchObject({
      id: 'id-1',
      fence: 2,
      expiresAt: T0 + 1000,
      createdAt: T0,
      leaseExpiresAt: T0 + 200,
    });
  });

  it('K11: complete, abandon and renew need the current id and fence, and an in-flight key', () => {
    const taken = reduceKey(claimed(), begin(T0 + 100)).state!;
    expect(
      reduceKey(taken, { type: 'complete', now: T0 + 110, id: 'id-1', fence: 1, outcome }).answer,
    ).toEqual({
      kind: 'stale',
      reason: 'fence_mismatch',
    });
    expect(reduceKey(taken, { type: 'abandon', now: T0 + 110, id: 'other', fence: 2 }).answer).toEqual({
      kind: 'stale',
      reason: 'not_found',
    });
    expect(reduceKey(undefined, { type: 'renew', now: T0, id: 'id-1', fence: 1, leaseMs: 5 }).answer).toEqual(
      {
        kind: 'stale',
        reason: 'not_found',
      },
    );
    expect(reduceKey(completed(), { type: 'abandon', now: T0 + 20, id: 'id-1', fence: 1 }).answer).toEqual({
      kind: 'stale',
      reason: 'not_in_flight',
    });
  });

  it('K11: renew moves the lease end from now', () => {
    const { state } = reduceKey(claimed(), {
      type: 'renew',
      now: T0 + 90,
      id: 'id-1',
      fence: 1,
      leaseMs: 100,
    });
    expect(state?.leaseExpiresAt).toBe(T0 + 190);
    expect(reduceKey(state, begin(T0 + 150)).answer.kind).toBe('in_flight');
  });

  it('K1: complete stores the outcome and ends the lease', () => {
    const record = completed();
    expect(record).toMatchObject({
      status: 'completed',
      outcome,
      completedAt: T0 + 10,
      leaseOwner: null,
      leaseExpiresAt: null,
    });
  });

  it('K8: abandon deletes the claim so the next begin is new', () => {
    const { state } = reduceKey(claimed(), { type: 'abandon', now: T0 + 5, id: 'id-1', fence: 1 });
    expect(state).toBeUndefined();
  });

  it('K7: an expired key runs fresh (new generation: fence + 1, new expiry and age), any payload', () => {
    const { state, answer } = reduceKey(completed(), begin(T0 + 1000, input({ other: true })));
    expect(answer).toMatchObject({ kind: 'execute', reason: 'key_expired' });
    expect(state).toMatchObject({ fence: 2, createdAt: T0 + 1000, expiresAt: T0 + 2000, outcome: null });
  });

  it('K7: an expired key with a live lease stays in flight and is not purged', () => {
    const renewed = reduceKey(claimed(), { type: 'renew', now: T0 + 950, id: 'id-1', fence: 1, leaseMs: 100 })
      .state!;
    expect(reduceKey(renewed, begin(T0 + 1000)).answer.kind).toBe('in_flight');
    expect(reduceKey(renewed, { type: 'purge', now: T0 + 1000 }).answer.kind).toBe('unchanged');
  });

  it('K7: purge removes an expired key; keys without TTL stay', () => {
    expect(reduceKey(completed(), { type: 'purge', now: T0 + 1000 }).state).toBeUndefined();
    expect(reduceKey(completed(), { type: 'purge', now: T0 + 999 }).answer.kind).toBe('unchanged');
    const forever = completed(T0, input({ a: 1 }, 'conflict', null));
    expect(forever.expiresAt).toBeNull();
    expect(reduceKey(forever, { type: 'purge', now: T0 + 10 ** 12 }).answer.kind).toBe('unchanged');
  });

  it('N1: onMismatch execute re-runs a completed key (fence + 1) and waits for one in flight', () => {
    const i = input({ n: 2 }, 'execute', null);
    const done = completed(T0, input({ n: 1 }, 'execute', null));
    expect(reduceKey(done, begin(T0 + 20, i))).toMatchObject({
      answer: { kind: 'execute', reason: 'payload_changed' },
      state: { fence: 2 },
    });
    expect(reduceKey(claimed(T0, input({ n: 1 }, 'execute', null)), begin(T0 + 20, i)).answer.kind).toBe(
      'in_flight',
    );
  });

  it('N2/N3: onMismatch replay answers the stored outcome, flagged as a mismatch', () => {
    const done = completed(T0, input({ n: 1 }, 'replay'));
    expect(reduceKey(done, begin(T0 + 20, input({ n: 2 }, 'replay'))).answer).toMatchObject({
      kind: 'replay',
      mismatch: true,
    });
  });

  it('D5: release removes an in-flight key and leaves a completed one', () => {
    expect(reduceKey(claimed(), { type: 'release', now: T0 }).state).toBeUndefined();
    expect(reduceKey(completed(), { type: 'release', now: T0 }).answer.kind).toBe('unchanged');
  });

  it('D8: void removes a key whatever its state and answers it as it was', () => {
    const done = completed();
    expect(reduceKey(done, { type: 'void', now: T0 })).toEqual({
      state: undefined,
      answer: { kind: 'ok', record: done },
    });
    expect(reduceKey(claimed(), { type: 'void', now: T0 }).state).toBeUndefined();
    expect(reduceKey(undefined, { type: 'void', now: T0 }).answer.kind).toBe('unchanged');
  });
});
