// The contract every idempotency store must pass, run against each real backend (memory, SQLite, PostgreSQL,
// Redis). A new store is done when `storeConformance('my-store', open)` is green. Test names carry the SPEC.md
// behaviour they prove.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  adminOf,
  COUNT_LIMIT,
  type IdempotencyAdmin,
  type KeyPage,
  type KeySearch,
  keyState,
} from '../admin.ts';
import type { IdemEvent } from '../events.ts';
import { fingerprint } from '../fingerprint.ts';
import { idAt, idFloor, newId } from '../ids.ts';
import type { BeginInput } from '../key-machine.ts';
import type { MismatchAction } from '../policy.ts';
import type { KeyKind, Outcome } from '../record.ts';
import { type LoggedRequest, searchTerms } from '../requests.ts';
import type { BeginResult, FenceRef, IdempotencyStore } from '../store.ts';

export interface ConformanceHarness {
  store: IdempotencyStore;
  /**
   * Makes at least `ms` of the store's time pass. Stores on a database clock wait for that clock; the memory
   * store's harness moves its clock forward.
   */
  passTime?(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Waits until the store's own clock reads at least `target` (for stores whose clock is a database's). */
export async function untilStoreTime(store: IdempotencyStore, target: number): Promise<void> {
  for (;;) {
    const now = await store.now();
    if (now >= target) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(target - now, 1000)));
  }
}

interface InputOptions {
  scope?: string;
  procedure?: string;
  kind?: KeyKind;
  key?: string;
  payload?: unknown;
  raw?: string;
  ttlMs?: number | null;
  leaseMs?: number;
  onMismatch?: MismatchAction;
  owner?: string;
  naturalId?: string;
}

let counter = 0;

function input(options: InputOptions = {}): BeginInput {
  const fp =
    options.raw !== undefined
      ? fingerprint({ raw: options.raw, value: options.payload }, { mode: 'bytes' })
      : fingerprint({ value: options.payload ?? { amount: 100 } });
  return {
    scope: options.scope ?? 'caller-a',
    procedure: options.procedure ?? 'orders.create',
    kind: options.kind ?? 'key',
    key: options.key ?? `key-${++counter}-${newId()}`,
    fingerprint: fp,
    policy: {
      name: 'conformance',
      ttlMs: options.ttlMs === undefined ? 60_000 : options.ttlMs,
      leaseMs: options.leaseMs ?? 30_000,
      onMismatch: options.onMismatch ?? 'conflict',
    },
    requestId: `req-${counter}`,
    leaseOwner: options.owner ?? 'conformance-owner',
    requestPayload: JSON.stringify(options.payload ?? { amount: 100 }),
    naturalId: options.naturalId ?? null,
  };
}

const ok = (body: unknown, status = 201): Outcome => ({ ok: true, status, body: JSON.stringify(body) });

function executed(result: BeginResult): FenceRef {
  expect(result.answer.kind).toBe('execute');
  if (result.answer.kind !== 'execute') throw new Error('unreachable');
  const r = result.answer.record;
  return { scope: r.scope, procedure: r.procedure, kind: r.kind, key: r.key, id: r.id, fence: r.fence };
}

/**
 * Registers the conformance suite for one store.
 *
 * @example
 * storeConformance('memory', async () => { const clock = manualClock(); … return { store, passTime, close } });
 */
export function storeConformance(name: string, open: () => Promise<ConformanceHarness>): void {
  describe(`store conformance: ${name}`, () => {
    let h: ConformanceHarness;
    let store: IdempotencyStore;
    const passTime = async (ms: number): Promise<void> => {
      if (h.passTime) return h.passTime(ms);
      return untilStoreTime(store, (await store.now()) + ms);
    };

    beforeEach(async () => {
      h = await open();
      store = h.store;
    });
    afterEach(async () => {
      await h.close();
    });

    it('K1: a first call is claimed in flight with fence 1, a lease and an expiry on the store clock', async () => {
      const before = await store.now();
      const result = await store.begin(input({ ttlMs: 60_000, leaseMs: 5_000 }));
      expect(result.answer).toMatchObject({ kind: 'execute', reason: 'new' });
      if (result.answer.kind !== 'execute') return;
      const r = result.answer.record;
      expect(r.status).toBe('in_flight');
      expect(r.fence).toBe(1);
      expect(r.outcome).toBeNull();
      expect(r.leaseOwner).toBe('conformance-owner');
      expect(r.leaseExpiresAt! - r.createdAt).toBeGreaterThanOrEqual(4_990);
      expect(r.leaseExpiresAt! - r.createdAt).toBeLessThanOrEqual(5_010);
      expect(r.expiresAt! - r.createdAt).toBeGreaterThanOrEqual(59_990);
      expect(r.createdAt).toBeGreaterThanOrEqual(before - 5);
      expect(result.now).toBeGreaterThanOrEqual(r.createdAt - 1);
      // The claim's record is the row as stored (a SQL claim does not read its payload back: it fills it in).
      expect(r).toEqual(await store.get(r));
    });

    it('K1/K2: a completed outcome is replayed byte for byte, status and headers included', async () => {
      const req = input({ payload: { amount: 5, note: 'ünïcødé ✓ 🚀' } });
      const ref = executed(await store.begin(req));
      const outcome: Outcome = {
        ok: true,
        status: 201,
        body: '{"id":"ord_1","note":"ünïcødé ✓ 🚀","nested":{"a":[1,2.5,null]}}',
        headers: { location: '/orders/ord_1' },
      };
      const done = await store.complete(ref, outcome);
      expect(done.ok).toBe(true);
      const again = await store.begin({ ...req, requestId: 'retry' });
      expect(again.answer.kind).toBe('replay');
      if (again.answer.kind !== 'replay') return;
      expect(again.answer.outcome).toEqual(outcome);
      expect(again.answer.mismatch).toBe(false);
      expect(again.answer.record.fence).toBe(1);
    });

    it('K8: an error outcome (5xx included) is stored and replayed like a success', async () => {
      const req = input();
      const ref = executed(await store.begin(req));
      const failure: Outcome = { ok: false, status: 503, body: '{"error":{"code":"UPSTREAM_DOWN"}}' };
      await store.complete(ref, failure);
      const again = await store.begin(req);
      expect(again.answer).toMatchObject({ kind: 'replay', outcome: failure });
    });

    it('K3: the same key with another payload is a conflict and changes nothing', async () => {
      const req = input({ payload: { amount: 1 } });
      const ref = executed(await store.begin(req));
      await store.complete(ref, ok({ id: 1 }));
      const other = await store.begin({ ...input({ payload: { amount: 2 } }), key: req.key });
      expect(other.answer.kind).toBe('conflict');
      const record = await store.get(req);
      expect(record?.fingerprint).toBe(req.fingerprint.hash);
      expect(record?.status).toBe('completed');
    });

    it('K3: a different payload is a conflict even while the first is still in flight', async () => {
      const req = input({ payload: { amount: 1 } });
      executed(await store.begin(req));
      const other = await store.begin({ ...input({ payload: { amount: 2 } }), key: req.key });
      expect(other.answer.kind).toBe('conflict');
    });

    it('K10: canonical comparison ignores key order; byte-exact comparison does not', async () => {
      const req = input({ payload: { a: 1, b: 2 } });
      const ref = executed(await store.begin(req));
      await store.complete(ref, ok({}));
      const reordered = await store.begin({ ...input({ payload: { b: 2, a: 1 } }), key: req.key });
      expect(reordered.answer.kind).toBe('replay');

      const raw = input({ raw: '{"a":1,"b":2}', payload: { a: 1, b: 2 } });
      const rawRef = executed(await store.begin(raw));
      await store.complete(rawRef, ok({}));
      const spaced = await store.begin({
        ...input({ raw: '{"a":1, "b":2}', payload: { a: 1, b: 2 } }),
        key: raw.key,
      });
      expect(spaced.answer.kind).toBe('conflict');
      const same = await store.begin({
        ...input({ raw: '{"a":1,"b":2}', payload: { a: 1, b: 2 } }),
        key: raw.key,
      });
      expect(same.answer.kind).toBe('replay');
    });

    it('K10: a key stored under one fingerprint algorithm is compared by that algorithm after a policy change', async () => {
      const raw = input({ raw: '{"b":2,"a":1}', payload: { b: 2, a: 1 } });
      const ref = executed(await store.begin(raw));
      await store.complete(ref, ok({ ok: true }));
      // The policy now fingerprints canonically; the retry carries its raw body too, so the stored
      // byte-exact fingerprint is checked with its own algorithm and the retry is not a false conflict.
      const canonical = fingerprint({ value: { b: 2, a: 1 }, raw: '{"b":2,"a":1}' });
      const retry = await store.begin({ ...raw, fingerprint: canonical });
      expect(retry.answer.kind).toBe('replay');
    });

    it('K4: a duplicate while the first runs is refused as in flight, with the lease time left', async () => {
      const req = input({ leaseMs: 10_000 });
      executed(await store.begin(req));
      const dup = await store.begin(req);
      expect(dup.answer.kind).toBe('in_flight');
      if (dup.answer.kind !== 'in_flight') return;
      expect(dup.answer.leaseRemainingMs).toBeGreaterThan(0);
      expect(dup.answer.leaseRemainingMs).toBeLessThanOrEqual(10_000);
    });

    it('K4: 200 concurrent begins on one key give exactly one execute', async () => {
      const req = input();
      const results = await Promise.all(Array.from({ length: 200 }, () => store.begin(req)));
      const kinds = results.map((r) => r.answer.kind);
      expect(kinds.filter((k) => k === 'execute')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'in_flight')).toHaveLength(199);
    });

    it('K4: concurrent begins on many keys give exactly one execute per key', async () => {
      const reqs = Array.from({ length: 20 }, () => input());
      const results = await Promise.all(
        reqs.flatMap((req) => Array.from({ length: 10 }, () => store.begin(req))),
      );
      const perKey = new Map<string, number>();
      for (const r of results) {
        if (r.answer.kind === 'execute')
          perKey.set(r.answer.record.key, (perKey.get(r.answer.record.key) ?? 0) + 1);
      }
      expect([...perKey.values()]).toEqual(reqs.map(() => 1));
    });

    it('K9: the same key under another caller, procedure or kind is a different key', async () => {
      const req = input({ scope: 'caller-a' });
      const ref = executed(await store.begin(req));
      expect(ref.kind).toBe('key');
      await store.complete(ref, ok({ secret: 'only for a' }));
      const otherCaller = await store.begin({ ...req, scope: 'caller-b' });
      expect(otherCaller.answer).toMatchObject({ kind: 'execute', reason: 'new' });
      const otherProcedure = await store.begin({ ...req, procedure: 'orders.cancel' });
      expect(otherProcedure.answer).toMatchObject({ kind: 'execute', reason: 'new' });
      const natural = await store.begin({ ...req, kind: 'natural' });
      expect(natural.answer).toMatchObject({ kind: 'execute', reason: 'new', record: { kind: 'natural' } });
      expect((await store.get({ ...req, scope: 'caller-b' }))?.outcome).toBeNull();
    });

    it('K11: after its lease ends a retry takes over with a new fence; the old holder can no longer complete', async () => {
      const req = input({ leaseMs: 50 });
      const first = executed(await store.begin(req));
      await passTime(60);
      const second = await store.begin({ ...req, leaseOwner: 'second-owner' });
      expect(second.answer).toMatchObject({ kind: 'execute', reason: 'lease_expired' });
      const secondRef = executed(second);
      expect(secondRef.fence).toBe(first.fence + 1);
      expect(secondRef.id).toBe(first.id);

      const late = await store.complete(first, ok({ from: 'first' }));
      expect(late).toMatchObject({ ok: false, reason: 'fence_mismatch' });
      expect((await store.renew(first, 1000)).ok).toBe(false);
      expect((await store.abandon(first)).ok).toBe(false);

      expect((await store.complete(secondRef, ok({ from: 'second' }))).ok).toBe(true);
      const replay = await store.begin(req);
      expect(replay.answer).toMatchObject({ kind: 'replay', outcome: ok({ from: 'second' }) });
    });

    it('K11: a renewed lease keeps the key held past its first lease', async () => {
      const req = input({ leaseMs: 200 });
      const ref = executed(await store.begin(req));
      await passTime(120);
      const renewed = await store.renew(ref, 200);
      expect(renewed.ok).toBe(true);
      await passTime(120);
      expect((await store.begin(req)).answer.kind).toBe('in_flight');
    });

    it('K11: a takeover keeps the key expiry of the generation it continues', async () => {
      const req = input({ leaseMs: 30, ttlMs: 60_000 });
      const first = await store.begin(req);
      await passTime(40);
      const second = await store.begin(req);
      if (first.answer.kind !== 'execute' || second.answer.kind !== 'execute')
        throw new Error('expected executes');
      expect(second.answer.record.expiresAt).toBe(first.answer.record.expiresAt);
      expect(second.answer.record.createdAt).toBe(first.answer.record.createdAt);
    });

    it('K8: an abandoned key lets the next request run fresh; a stale abandon is refused', async () => {
      const req = input();
      const ref = executed(await store.begin(req));
      expect((await store.abandon({ ...ref, fence: ref.fence + 7 })).ok).toBe(false);
      expect((await store.abandon(ref)).ok).toBe(true);
      expect(await store.get(req)).toBeUndefined();
      expect((await store.begin(req)).answer).toMatchObject({ kind: 'execute', reason: 'new' });
    });

    it('K11: fenced commands say why they were refused', async () => {
      const req = input();
      const ref = executed(await store.begin(req));
      expect(await store.complete({ ...ref, id: newId() }, ok({}))).toMatchObject({
        ok: false,
        reason: 'not_found',
      });
      expect(await store.complete({ ...ref, fence: 9 }, ok({}))).toMatchObject({
        ok: false,
        reason: 'fence_mismatch',
      });
      await store.complete(ref, ok({}));
      expect(await store.complete(ref, ok({ again: true }))).toMatchObject({
        ok: false,
        reason: 'not_in_flight',
      });
      expect((await store.begin(req)).answer).toMatchObject({ kind: 'replay', outcome: ok({}) });
    });

    it('K7: after its TTL a key runs as a fresh request, and a holder of the old generation is fenced out', async () => {
      const req = input({ ttlMs: 60, leaseMs: 40 });
      const ref = executed(await store.begin(req));
      await store.complete(ref, ok({ n: 1 }));
      await passTime(70);
      const fresh = await store.begin({
        ...input({ payload: { different: true }, ttlMs: 60, leaseMs: 40 }),
        key: req.key,
      });
      expect(fresh.answer).toMatchObject({ kind: 'execute', reason: 'key_expired' });
      const freshRef = executed(fresh);
      expect(freshRef.fence).toBe(ref.fence + 1);
      expect((await store.complete(ref, ok({ n: 'old' }))).ok).toBe(false);
    });

    it('K7: a key whose TTL ended but whose holder still holds a live lease is not taken over', async () => {
      const req = input({ ttlMs: 50, leaseMs: 50 });
      const ref = executed(await store.begin(req));
      await passTime(30);
      expect((await store.renew(ref, 10_000)).ok).toBe(true);
      await passTime(30);
      expect((await store.begin(req)).answer.kind).toBe('in_flight');
      expect(await store.purgeExpired(100)).toBe(0);
    });

    it('K7: purgeExpired deletes only expired, unheld keys, in batches bounded by its limit', async () => {
      const expiring = Array.from({ length: 25 }, () => input({ ttlMs: 50, leaseMs: 20 }));
      for (const req of expiring) {
        const ref = executed(await store.begin(req));
        await store.complete(ref, ok({}));
      }
      const keeps = input({ ttlMs: 600_000 });
      await store.complete(executed(await store.begin(keeps)), ok({}));
      const forever = input({ ttlMs: null });
      await store.complete(executed(await store.begin(forever)), ok({}));
      await passTime(60);
      expect(await store.purgeExpired(10)).toBe(10);
      expect(await store.purgeExpired(10)).toBe(10);
      expect(await store.purgeExpired(10)).toBe(5);
      expect(await store.purgeExpired(10)).toBe(0);
      for (const req of expiring) expect(await store.get(req)).toBeUndefined();
      expect((await store.get(keeps))?.status).toBe('completed');
      expect((await store.get(forever))?.expiresAt).toBeNull();
    });

    it('N1: onMismatch "execute" runs again on a changed payload under the same natural key', async () => {
      const req = input({
        payload: { external_id: 'crm-1', name: 'Ann' },
        onMismatch: 'execute',
        ttlMs: null,
      });
      const ref = executed(await store.begin(req));
      await store.complete(ref, ok({ id: 'p1', name: 'Ann' }));
      const same = await store.begin(req);
      expect(same.answer.kind).toBe('replay');
      const changed = await store.begin({
        ...input({ payload: { external_id: 'crm-1', name: 'Anna' }, onMismatch: 'execute', ttlMs: null }),
        key: req.key,
      });
      expect(changed.answer).toMatchObject({ kind: 'execute', reason: 'payload_changed' });
      expect(executed(changed).fence).toBe(2);
    });

    it('N2/N3: onMismatch "replay" answers the stored outcome for a changed payload', async () => {
      const req = input({
        payload: { external_id: 'ap-1', file_url: 'a.pdf' },
        onMismatch: 'replay',
        ttlMs: null,
      });
      const ref = executed(await store.begin(req));
      await store.complete(ref, ok({ id: 'doc-1' }));
      const other = await store.begin({
        ...input({ payload: { external_id: 'ap-1', file_url: 'b.pdf' }, onMismatch: 'replay', ttlMs: null }),
        key: req.key,
      });
      expect(other.answer).toMatchObject({ kind: 'replay', mismatch: true, outcome: ok({ id: 'doc-1' }) });
    });

    it('D5: release ends an in-flight key and returns it as it was; a completed key is left alone', async () => {
      const req = input();
      const ref = executed(await store.begin(req));
      const released = await store.release(req);
      expect(released?.fence).toBe(ref.fence);
      expect(released?.status).toBe('in_flight');
      expect((await store.complete(ref, ok({}))).ok).toBe(false);
      const again = executed(await store.begin(req));
      await store.complete(again, ok({}));
      expect(await store.release(req)).toBeUndefined();
      expect((await store.get(req))?.status).toBe('completed');
    });

    it('D8: void deletes a completed or failed key and returns it as it was; the next request runs fresh', async () => {
      const req = input();
      const ref = executed(await store.begin(req));
      await store.complete(ref, { ok: false, status: 500, body: '{"error":"billing_unavailable"}' });
      expect((await store.begin(req)).answer.kind).toBe('replay');
      const voided = await store.void(req);
      expect(voided?.outcome?.status).toBe(500);
      expect(await store.get(req)).toBeUndefined();
      expect(await store.void(req)).toBeUndefined();
      const fresh = await store.begin(req);
      expect(fresh.answer).toMatchObject({ kind: 'execute', reason: 'new' });
      if (fresh.answer.kind === 'execute') expect(fresh.answer.record.id).not.toBe(ref.id);
      // The old holder's token names nothing any more.
      expect((await store.complete(ref, ok({}))).ok).toBe(false);
    });

    it('K4: waitForChange wakes when the key is completed, before its timeout', async () => {
      const req = input();
      const ref = executed(await store.begin(req));
      const seen = (await store.get(req))!;
      const started = Date.now();
      const waiting = store.waitForChange(req, seen, 20_000);
      await store.complete(ref, ok({}));
      await waiting;
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('K4: waitForChange returns at once when the key changed after it was read (no lost wake-up)', async () => {
      const req = input();
      const ref = executed(await store.begin(req));
      const seen = (await store.get(req))!;
      await store.complete(ref, ok({}));
      const started = Date.now();
      await store.waitForChange(req, seen, 20_000);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('limits: a 255-character key, a 1 MiB body and unicode scopes are stored exactly', async () => {
      const key = 'k'.repeat(255);
      const req = { ...input({ scope: 'caller-ünï', procedure: 'a.b.c' }), key };
      const ref = executed(await store.begin(req));
      const body = JSON.stringify({ blob: 'x'.repeat(1024 * 1024) });
      await store.complete(ref, { ok: true, status: 200, body });
      const replay = await store.begin(req);
      expect(replay.answer.kind === 'replay' && replay.answer.outcome.body === body).toBe(true);
    });

    it('events older than a point go by id range, in bounded batches (stores that keep events forever)', async (context) => {
      if (store.purgeEventsBefore === undefined) return context.skip();
      const at = await store.now();
      const make = (ms: number, i: number): IdemEvent => ({
        id: `${idFloor(ms).slice(0, 24)}${String(i).padStart(12, '0')}`,
        keyId: null,
        scope: 'caller-a',
        procedure: 'retention',
        kind: 'key',
        key: `k${i}`,
        type: 'replay',
        at: ms,
        requestId: null,
        fingerprint: null,
        payload: null,
        detail: null,
      });
      const old = Array.from({ length: 5 }, (_, i) => make(at - 40 * 86_400_000, i));
      const recent = Array.from({ length: 3 }, (_, i) => make(at, 100 + i));
      await store.appendEvents([...old, ...recent]);
      const cutoff = idFloor(at - 30 * 86_400_000);
      expect(await store.purgeEventsBefore(cutoff, 2)).toBe(2);
      expect(await store.purgeEventsBefore(cutoff, 10)).toBe(3);
      expect(await store.purgeEventsBefore(cutoff, 10)).toBe(0);
      const left = await store.listEvents({ procedure: 'retention' });
      expect(left.map((e) => e.key).sort()).toEqual(['k100', 'k101', 'k102']);
      // The request log goes with the events.
      if (store.appendRequests !== undefined) {
        const request = (e: IdemEvent) => ({
          id: e.id,
          at: e.at,
          scope: e.scope,
          procedure: e.procedure,
          kind: e.kind,
          key: e.key,
          keyId: null,
          requestId: null,
          decision: 'replay' as const,
          reason: null,
          status: 200,
          fingerprint: null,
          naturalId: null,
          route: null,
          userAgent: null,
          address: null,
          request: null,
          response: null,
          terms: [],
          durationMs: null,
        });
        await store.appendRequests([...old, ...recent].map(request));
        expect(await store.purgeEventsBefore(cutoff, 10)).toBe(5);
        const kept = await adminOf(store)?.searchRequests({ procedures: ['retention'] });
        if (kept) expect(kept.items.map((r) => r.key).sort()).toEqual(['k100', 'k101', 'k102']);
      }
    });

    it('D2: events are appended and listed newest first, filtered and paged', async () => {
      const at = await store.now();
      const events: IdemEvent[] = ['begin', 'replay', 'conflict', 'complete'].map((type, i) => ({
        id: newId(),
        keyId: 'k1',
        scope: 'caller-a',
        procedure: 'orders.create',
        kind: 'key',
        key: `story-${i < 2 ? 'one' : 'two'}`,
        type: type as IdemEvent['type'],
        at: at + i,
        requestId: `req-${i}`,
        fingerprint: 'fp',
        payload: i === 2 ? '{"amount":2}' : null,
        detail: { status: 201, ok: true, note: null },
      }));
      await store.appendEvents(events);
      const all = await store.listEvents({ scope: 'caller-a', limit: 10 });
      expect(all.map((e) => e.type)).toEqual(['complete', 'conflict', 'replay', 'begin']);
      expect(all[1]).toEqual(events[2]);
      const one = await store.listEvents({ key: 'story-one' });
      expect(one.map((e) => e.type)).toEqual(['replay', 'begin']);
      const conflicts = await store.listEvents({ types: ['conflict'] });
      expect(conflicts).toHaveLength(1);
      const page = await store.listEvents({ scope: 'caller-a', before: all[1]!.id, limit: 1 });
      expect(page.map((e) => e.type)).toEqual(['replay']);
    });
  });
}

/**
 * Registers the admin conformance suite (D1–D5) for a store with an admin side (`store.admin`): search, paging,
 * stories, incident views, statistics and the audit log, all judged by the store's clock.
 *
 * @example
 * adminConformance('memory', openMemoryHarness);
 */
export function adminConformance(name: string, open: () => Promise<ConformanceHarness>): void {
  describe(`store admin conformance: ${name}`, () => {
    let h: ConformanceHarness;
    let store: IdempotencyStore;
    let admin: IdempotencyAdmin;
    const passTime = async (ms: number): Promise<void> => {
      if (h.passTime) return h.passTime(ms);
      return untilStoreTime(store, (await store.now()) + ms);
    };

    beforeEach(async () => {
      h = await open();
      store = h.store;
      const side = adminOf(store);
      if (side === undefined) throw new Error(`store ${name} has no admin side`);
      admin = side;
    });
    afterEach(async () => {
      await h.close();
    });

    const completed = async (options: InputOptions, outcome: Outcome = ok({})) => {
      const req = input(options);
      await store.complete(executed(await store.begin(req)), outcome);
      return (await store.get(req))!;
    };
    const keysOf = (page: KeyPage) => page.items.map((r) => r.key).sort();
    const event = (type: IdemEvent['type'], fields: Partial<IdemEvent> & { at: number }): IdemEvent => ({
      id: newId(),
      keyId: null,
      scope: 'caller-a',
      procedure: 'orders.create',
      kind: 'key',
      key: 'k',
      type,
      requestId: null,
      fingerprint: null,
      payload: null,
      detail: null,
      ...fields,
    });

    /** A logged request as the engine would write it, decided `at` (store time). */
    const logged = (fields: Partial<LoggedRequest> & { at: number; payload?: unknown }): LoggedRequest => {
      const { payload, ...rest } = fields;
      return {
        // As the engine names them: by their time.
        id: idAt(fields.at),
        scope: 'caller-a',
        procedure: 'orders.create',
        kind: 'key',
        key: `k-${newId()}`,
        keyId: null,
        requestId: `req-${newId()}`,
        decision: 'first_call',
        reason: null,
        status: 201,
        fingerprint: null,
        naturalId: null,
        route: 'POST /v1/orders',
        userAgent: 'conformance/1',
        address: '127.0.0.1',
        request: { headers: { 'content-type': 'application/json' }, body: '{}', bytes: 2, redacted: false },
        response: { headers: {}, body: '{"id":1}', bytes: 8, redacted: false },
        durationMs: 3,
        ...rest,
        terms: rest.terms ?? searchTerms(payload ?? {}, rest.naturalId ?? null),
      };
    };
    const idsOf = (items: readonly { id: string }[]) => items.map((r) => r.id);

    it('D1: keys are found by exact key, case-sensitive prefix (wildcards literal), caller, procedure and natural id', async () => {
      await completed({ key: 'order-1001', scope: 'acme' });
      await completed({ key: 'order-1002', scope: 'acme', procedure: 'orders.refund' });
      await completed({ key: 'ORDER-1003', scope: 'globex' });
      await completed({ key: 'order_%x', scope: 'globex' });
      await completed({
        key: 'orderZ',
        scope: 'globex',
        procedure: 'profiles.upsert',
        kind: 'natural',
        naturalId: 'crm-7',
      });
      await completed({ key: 'naïve-✓-1', scope: 'globex' });
      expect(keysOf(await admin.searchKeys({ key: 'order-1001' }))).toEqual(['order-1001']);
      expect(keysOf(await admin.searchKeys({ keyPrefix: 'order-' }))).toEqual(['order-1001', 'order-1002']);
      expect(keysOf(await admin.searchKeys({ keyPrefix: 'order_' }))).toEqual(['order_%x']);
      expect(keysOf(await admin.searchKeys({ keyPrefix: 'order_%' }))).toEqual(['order_%x']);
      expect(keysOf(await admin.searchKeys({ keyPrefix: 'naïve-✓' }))).toEqual(['naïve-✓-1']);
      expect(keysOf(await admin.searchKeys({ scope: 'acme' }))).toEqual(['order-1001', 'order-1002']);
      expect(keysOf(await admin.searchKeys({ procedure: 'orders.refund' }))).toEqual(['order-1002']);
      expect(keysOf(await admin.searchKeys({ naturalId: 'crm-7' }))).toEqual(['orderZ']);
      expect(keysOf(await admin.searchKeys({ scope: 'globex', keyPrefix: 'order' }))).toEqual([
        'orderZ',
        'order_%x',
      ]);
      expect((await admin.searchKeys({ key: 'nothing' })).items).toEqual([]);
    });

    it('D1: in flight, completed, failed and expired partition the keys, judged by the store clock', async () => {
      const flying = input({ key: 'flying', ttlMs: 60_000 });
      executed(await store.begin(flying));
      await completed({ key: 'done' }, ok({ id: 1 }));
      await completed({ key: 'error-5xx' }, { ok: false, status: 503, body: '{"error":"down"}' });
      await completed({ key: 'status-404' }, { ok: true, status: 404, body: '{"found":false}' });
      await completed({ key: 'natural', ttlMs: null });
      await completed({ key: 'old', ttlMs: 50, leaseMs: 20 });
      await passTime(60);
      const byState = async (state: 'in_flight' | 'completed' | 'failed' | 'expired') => {
        const page = await admin.searchKeys({ state });
        for (const r of page.items) expect(keyState(r, page.now)).toBe(state);
        return keysOf(page);
      };
      expect(await byState('in_flight')).toEqual(['flying']);
      expect(await byState('completed')).toEqual(['done', 'natural']);
      expect(await byState('failed')).toEqual(['error-5xx', 'status-404']);
      expect(await byState('expired')).toEqual(['old']);
    });

    it('D1: a created-time range keeps keys created at or after its start and before its end', async () => {
      await completed({ key: 'before' });
      await passTime(20);
      const mid = Math.ceil(await store.now());
      await passTime(5);
      await completed({ key: 'after' });
      expect(keysOf(await admin.searchKeys({ createdFrom: mid }))).toEqual(['after']);
      expect(keysOf(await admin.searchKeys({ createdTo: mid }))).toEqual(['before']);
      expect(keysOf(await admin.searchKeys({ createdFrom: mid, createdTo: mid + 60_000 }))).toEqual([
        'after',
      ]);
    });

    it('D1: cursor paging visits every key once, newest first or oldest first', async () => {
      const made: string[] = [];
      for (let i = 0; i < 25; i++) made.push((await completed({ key: `page-${i}`, scope: 'pager' })).id);
      await completed({ key: 'other', scope: 'someone-else' });
      for (const order of ['newest', 'oldest'] as const) {
        const seen: string[] = [];
        const sizes: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await admin.searchKeys({ scope: 'pager', order, limit: 10, cursor });
          sizes.push(page.items.length);
          seen.push(...page.items.map((r) => r.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        expect(sizes).toEqual([10, 10, 5]);
        const sorted = [...made].sort();
        expect(seen).toEqual(order === 'oldest' ? sorted : sorted.reverse());
      }
      const exact = await admin.searchKeys({ scope: 'pager', limit: 25 });
      expect(exact.items).toHaveLength(25);
      expect(exact.nextCursor).toBeNull();
    });

    it('D2: a key story has the record and its events newest first, by id or identity, and survives a release', async () => {
      const req = input({ key: 'story', payload: { amount: 1 } });
      const ref = executed(await store.begin(req));
      await store.complete(ref, ok({ id: 'ord_1' }));
      const at = await store.now();
      const types = ['begin', 'complete', 'replay', 'conflict'] as const;
      await store.appendEvents(
        types.map((type, i) =>
          event(type, { keyId: ref.id, key: 'story', at: at + i, requestId: `req-${i}` }),
        ),
      );
      const byId = await admin.keyStory({ id: ref.id });
      expect(byId?.record?.id).toBe(ref.id);
      expect(byId?.record?.outcome).toEqual(ok({ id: 'ord_1' }));
      expect(byId?.events.map((e) => e.type)).toEqual(['conflict', 'replay', 'complete', 'begin']);
      expect(byId?.events[0]?.requestId).toBe('req-3');
      const byRef = await admin.keyStory({ ref: req });
      expect(byRef?.events).toEqual(byId?.events);
      expect((await admin.keyById(ref.id))?.key).toBe('story');

      const stuck = input({ key: 'stuck' });
      const held = executed(await store.begin(stuck));
      await store.appendEvents([event('begin', { keyId: held.id, key: 'stuck', at: await store.now() })]);
      await store.release(stuck);
      const gone = await admin.keyStory({ id: held.id });
      expect(gone?.record).toBeNull();
      expect(gone?.ref).toEqual({ scope: 'caller-a', procedure: 'orders.create', kind: 'key', key: 'stuck' });
      expect(gone?.events.map((e) => e.type)).toEqual(['begin']);
      // Claimed again after it went (a void, then the customer's retry): the old id tells the key's story now.
      const again = executed(await store.begin(stuck));
      const later = await admin.keyStory({ id: held.id });
      expect(later?.record?.id).toBe(again.id);
      expect(later?.events.map((e) => e.type)).toEqual(['begin']);
      expect(await admin.keyStory({ id: newId() })).toBeUndefined();
      expect(await admin.keyById(newId())).toBeUndefined();
    });

    it('D3: conflicts and natural duplicates are listed newest first and paged by cursor', async () => {
      const at = await store.now();
      const made = [
        event('conflict', { at, key: 'a' }),
        event('replay', { at, key: 'b' }),
        event('natural_duplicate', { at, procedure: 'contacts.create', key: 'c' }),
        event('replay', { at, procedure: 'sales.ingest', kind: 'natural', key: 'd' }),
        event('begin', { at, procedure: 'sales.ingest', kind: 'natural', key: 'e' }),
        event('conflict', { at, procedure: 'documents.deliver', kind: 'natural', key: 'f' }),
      ];
      await store.appendEvents(made);
      const conflicts = await admin.incidents({ kind: 'conflicts' });
      expect(conflicts.items.map((e) => e.key)).toEqual(['f', 'a']);
      const natural = await admin.incidents({ kind: 'natural', limit: 2 });
      expect(natural.items.map((e) => e.key)).toEqual(['f', 'd']);
      expect(natural.nextCursor).toBe(made[3]!.id);
      const rest = await admin.incidents({ kind: 'natural', limit: 2, cursor: natural.nextCursor! });
      expect(rest.items.map((e) => e.key)).toEqual(['c']);
      expect(rest.nextCursor).toBeNull();
      expect(rest.items[0]).toEqual(made[2]);
    });

    it('D4: statistics count first calls, replays, conflicts and in-flight refusals per bucket, with rates and key counts', async () => {
      const now = await store.now();
      const min = 60_000;
      await store.appendEvents([
        event('begin', { at: now - 25 * min }),
        event('begin', { at: now - 2 * min }),
        event('takeover', { at: now - 2 * min }),
        event('replay', { at: now - 2 * min }),
        event('conflict', { at: now - 25 * min }),
        event('in_flight', { at: now - 2 * min }),
        event('replay', { at: now - 2 * 60 * min }), // outside the window
        event('begin', { at: now - 2 * min, procedure: 'contacts.create', kind: 'unique' }), // bookkeeping
      ]);
      executed(await store.begin(input({ key: 'live', ttlMs: 180 * min, leaseMs: 60_000 })));
      executed(await store.begin(input({ key: 'stuck', ttlMs: 180 * min, leaseMs: 20 })));
      await completed({ key: 'soon', ttlMs: 30 * min });
      await completed({ key: 'later', ttlMs: 3 * 60 * min });
      await completed({ key: 'gone', ttlMs: 30, leaseMs: 20 });
      await passTime(40);

      const stats = await admin.stats({ windowMs: 60 * min, bucketMs: 10 * min });
      expect(stats.bucketMs).toBe(10 * min);
      expect(stats.buckets).toHaveLength(6);
      expect(stats.buckets[0]!.start).toBe(stats.from);
      expect(stats.from % (10 * min)).toBe(0); // buckets start on the ten minutes
      const last = stats.buckets.at(-1)!.start;
      expect(stats.now >= last && stats.now < last + 10 * min).toBe(true);
      const expected = stats.buckets.map(() => [0, 0, 0, 0]);
      const at = (ms: number) => expected[Math.floor((ms - stats.from) / (10 * min))]!;
      at(now - 25 * min)[0]! += 1; // begin
      at(now - 25 * min)[2]! += 1; // conflict
      at(now - 2 * min)[0]! += 1; // begin
      at(now - 2 * min)[1]! += 1; // replay
      at(now - 2 * min)[3]! += 1; // in flight
      expect(stats.buckets.map((b) => [b.begin, b.replay, b.conflict, b.inFlight])).toEqual(expected);
      expect(stats.totals).toEqual({ begin: 2, takeover: 1, replay: 1, conflict: 1, inFlight: 1 });
      expect(stats.replayRate).toBeCloseTo(1 / 6);
      expect(stats.conflictRate).toBeCloseTo(1 / 6);
      expect(stats.inFlightNow).toBe(2);
      expect(stats.stuckNow).toBe(1);
      expect(stats.expiringWithinHour).toBe(1);
      expect(stats.expiredNow).toBe(1);
    });

    it('D1/D7: logged requests are found by request id, key, natural value, key part, caller, procedure, route, decision, status, payload field and time', async () => {
      if (store.appendRequests === undefined) throw new Error(`${name} keeps no request log`);
      const now = await store.now();
      const usage = logged({
        at: now - 5000,
        key: 'u-key-1',
        requestId: 'req-usage-1',
        procedure: 'salesbricks.usage.report',
        route: 'POST /v1/usage',
        payload: { order_id: 'ord_1', quantity: 3, to: { subscriberId: 's-1' } },
      });
      const broken = logged({
        at: now - 4000,
        key: 'u-key-2',
        procedure: 'salesbricks.usage.report',
        route: 'POST /v1/usage',
        status: 500,
        payload: { order_id: 'ord_broken', quantity: 1 },
      });
      const doc = logged({
        at: now - 3000,
        scope: 'caller-b',
        kind: 'natural',
        key: 'schema=invoice_v2&external_id=ap-100024',
        naturalId: 'invoice_v2 ap-100024',
        procedure: 'numora.documents.create',
        route: 'POST /v1/documents',
        decision: 'replay',
        status: 200,
      });
      const refused = logged({
        at: now - 2000,
        key: '',
        keyId: null,
        decision: 'refused',
        reason: 'KEY_MISSING',
        status: 400,
        procedure: 'shelfcycle.notes.create',
        route: 'POST /notes',
      });
      await store.appendRequests([usage, broken, doc, refused]);
      const find = async (q: Parameters<IdempotencyAdmin['searchRequests']>[0]) =>
        idsOf((await admin.searchRequests(q)).items);
      expect(await find({})).toEqual(idsOf([refused, doc, broken, usage]));
      expect((await admin.searchRequests({ text: 'req-usage-1' })).items[0]).toEqual(usage);
      expect(await find({ text: 'u-key-2' })).toEqual([broken.id]);
      expect(await find({ text: 'ap-100024' })).toEqual([doc.id]);
      expect(await find({ text: 'invoice_v2 ap-100024' })).toEqual([doc.id]);
      expect(await find({ text: 'key-' })).toEqual([]);
      expect(await find({ text: 'key-', textMatch: 'contains' })).toEqual(idsOf([broken, usage]));
      expect(await find({ text: '100024', textMatch: 'contains' })).toEqual([doc.id]);
      expect(await find({ scopes: ['caller-b'] })).toEqual([doc.id]);
      expect(await find({ scopes: [] })).toEqual([]);
      expect(await find({ procedures: ['salesbricks.usage.report', 'shelfcycle.notes.create'] })).toEqual(
        idsOf([refused, broken, usage]),
      );
      expect(await find({ route: 'POST /v1/documents' })).toEqual([doc.id]);
      expect(await find({ decisions: ['refused'] })).toEqual([refused.id]);
      expect(await find({ decisions: ['replay', 'refused'] })).toEqual(idsOf([refused, doc]));
      expect(await find({ statusFrom: 500, statusTo: 599 })).toEqual([broken.id]);
      expect(await find({ statusFrom: 400, statusTo: 400 })).toEqual([refused.id]);
      expect(await find({ fields: [{ name: 'order_id', value: 'ord_1' }] })).toEqual([usage.id]);
      expect(await find({ fields: [{ name: 'to.subscriberId', value: 's-1' }] })).toEqual([usage.id]);
      expect(
        await find({
          fields: [
            { name: 'order_id', value: 'ord_1' },
            { name: 'quantity', value: '1' },
          ],
        }),
      ).toEqual([]);
      expect(await find({ from: now - 3500 })).toEqual(idsOf([refused, doc]));
      expect(await find({ from: now - 4500, to: now - 2500 })).toEqual(idsOf([doc, broken]));
      expect(await find({ requestIds: [usage.requestId!, doc.requestId!] })).toEqual(idsOf([doc, usage]));
      expect(await find({ id: broken.id })).toEqual([broken.id]);
      const first = await admin.searchRequests({ limit: 3, count: true });
      expect(first.total).toEqual({ value: 4, relation: 'exact' });
      expect(idsOf(first.items)).toEqual(idsOf([refused, doc, broken]));
      const second = await admin.searchRequests({ limit: 3, cursor: first.nextCursor! });
      expect(idsOf(second.items)).toEqual([usage.id]);
      expect(second.nextCursor).toBeNull();
      expect(await find({ order: 'oldest', limit: 2 })).toEqual(idsOf([usage, broken]));
      expect(
        (await admin.searchRequests({ procedures: ['salesbricks.usage.report'], count: true })).total,
      ).toEqual({
        value: 2,
        relation: 'exact',
      });
      // A common field value pages like everything else: newest first, from each cursor.
      const many = Array.from({ length: 5 }, (_, i) =>
        logged({ at: now - 1000 + i, procedure: 'paging', payload: { quantity: 1 } }),
      );
      await store.appendRequests(many);
      const paged: string[] = [];
      let next: string | undefined;
      do {
        const p = await admin.searchRequests({
          fields: [{ name: 'quantity', value: '1' }],
          procedures: ['paging'],
          limit: 2,
          ...(next ? { cursor: next } : {}),
        });
        paged.push(...idsOf(p.items));
        next = p.nextCursor ?? undefined;
      } while (next !== undefined);
      expect(paged).toEqual(idsOf([...many].reverse()));
      expect(await admin.procedures()).toEqual(
        expect.arrayContaining([
          'numora.documents.create',
          'salesbricks.usage.report',
          'shelfcycle.notes.create',
        ]),
      );
    });

    it('D1: a payload field on more requests than are counted exactly is "at least" that many, never exactly the limit, newest first', async () => {
      const append = store.appendRequests?.bind(store);
      if (append === undefined) throw new Error(`${name} keeps no request log`);
      const now = await store.now();
      const common = Array.from({ length: COUNT_LIMIT + 2 }, (_, i) =>
        logged({ at: now - 100_000 + i, procedure: 'common', payload: { plan: 'basic' } }),
      );
      for (let i = 0; i < common.length; i += 1000) await append(common.slice(i, i + 1000));
      const rare = logged({ at: now - 50, procedure: 'common', payload: { plan: 'rare' } });
      await append([rare]);
      const page = await admin.searchRequests({
        fields: [{ name: 'plan', value: 'basic' }],
        limit: 3,
        count: true,
      });
      expect(page.total!.value).toBeGreaterThanOrEqual(COUNT_LIMIT);
      expect(page.total).not.toEqual({ value: COUNT_LIMIT, relation: 'exact' });
      if (page.total!.relation === 'exact') expect(page.total!.value).toBe(COUNT_LIMIT + 2);
      expect(idsOf(page.items)).toEqual(idsOf(common.slice(-3).reverse()));
      const found = await admin.searchRequests({ fields: [{ name: 'plan', value: 'rare' }], count: true });
      expect(idsOf(found.items)).toEqual([rare.id]);
      expect(found.total).toEqual({ value: 1, relation: 'exact' });
    });

    it('D1: keys are found by what a customer quotes (key, natural value, a request id through the request log, a part of the key), callers, procedures, status and payload field, and counted', async () => {
      const usage = await completed({ key: 'usage-0001', procedure: 'usage.report' });
      const doc = await completed({
        key: 'schema=invoice_v2&external_id=ap-100024',
        kind: 'natural',
        naturalId: 'invoice_v2 ap-100024',
        procedure: 'documents.create',
        scope: 'caller-b',
      });
      const broken = await completed(
        { key: 'usage-0002', procedure: 'usage.report' },
        {
          ok: false,
          status: 500,
          body: '{"error":"billing_unavailable"}',
        },
      );
      const now = await store.now();
      await store.appendRequests!([
        logged({
          at: now,
          key: usage.key,
          keyId: usage.id,
          requestId: 'req-u1',
          payload: { order_id: 'ord_1' },
        }),
        logged({
          at: now,
          kind: 'natural',
          key: doc.key,
          keyId: doc.id,
          naturalId: 'invoice_v2 ap-100024',
          payload: { external_id: 'ap-100024' },
        }),
      ]);
      const keys = async (q: KeySearch) => keysOf(await admin.searchKeys(q));
      expect(await keys({ text: 'usage-0001' })).toEqual(['usage-0001']);
      expect(await keys({ text: 'req-u1' })).toEqual(['usage-0001']);
      expect(await keys({ text: 'ap-100024' })).toEqual([doc.key]);
      expect(await keys({ text: 'invoice_v2 ap-100024' })).toEqual([doc.key]);
      expect(await keys({ text: 'usage-000' })).toEqual([]);
      expect(await keys({ text: 'age-000', textMatch: 'contains' })).toEqual(['usage-0001', 'usage-0002']);
      expect(await keys({ text: 'AGE-000', textMatch: 'contains' })).toEqual([]);
      expect(await keys({ text: '%', textMatch: 'contains' })).toEqual([]); // wildcards are literal
      expect(await keys({ scopes: ['caller-b', 'nobody'] })).toEqual([doc.key]);
      expect(await keys({ procedures: ['usage.report'] })).toEqual(['usage-0001', 'usage-0002']);
      expect(await keys({ procedures: [] })).toEqual([]);
      expect(await keys({ statusFrom: 500, statusTo: 599 })).toEqual([broken.key]);
      expect(await keys({ fields: [{ name: 'order_id', value: 'ord_1' }] })).toEqual(['usage-0001']);
      const counted = await admin.searchKeys({ procedures: ['usage.report'], count: true, limit: 1 });
      expect(counted.total).toEqual({ value: 2, relation: 'exact' });
      expect(counted.items).toHaveLength(1);
    });

    it('D4: request statistics count each request once, by what was decided, per bucket of the window', async () => {
      const now = await store.now();
      const min = 60_000;
      await store.appendRequests!([
        logged({ at: now - 25 * min, decision: 'first_call' }),
        logged({ at: now - 2 * min, decision: 'first_call' }),
        logged({ at: now - 2 * min, decision: 'replay' }),
        logged({ at: now - 2 * min, decision: 'conflict' }),
        logged({ at: now - 2 * min, decision: 'refused', key: '' }),
        logged({ at: now - 25 * min, decision: 'in_flight' }),
        logged({ at: now - 2 * 60 * min, decision: 'replay' }), // outside the window
      ]);
      const stats = await admin.requestStats({ windowMs: 60 * min, bucketMs: 10 * min });
      expect(stats.buckets).toHaveLength(6);
      expect(stats.from % (10 * min)).toBe(0);
      expect(stats.totals).toEqual({
        first_call: 2,
        replay: 1,
        conflict: 1,
        in_flight: 1,
        refused: 1,
        duplicate: 0,
        unprotected: 0,
        requests: 6,
      });
      const bucket = (ms: number) => stats.buckets[Math.floor((ms - stats.from) / (10 * min))]!;
      expect(bucket(now - 25 * min)).toMatchObject({ first_call: 1, in_flight: 1 });
      expect(bucket(now - 2 * min)).toMatchObject({ first_call: 1, replay: 1, conflict: 1, refused: 1 });
      const summed = stats.buckets.reduce(
        (n, b) => n + b.first_call + b.replay + b.conflict + b.in_flight + b.refused,
        0,
      );
      expect(summed).toBe(stats.totals.requests);
    });

    it("D6: possible duplicates group one caller's same payload under different keys or none within the window; natural keys seen again; duplicates refused", async () => {
      const now = await store.now();
      const min = 60_000;
      const charge = { scope: 'caller-a', procedure: 'usage.report', fingerprint: 'fp-charge' };
      const a = logged({ ...charge, at: now - 10 * min, key: 'key-a' });
      const b = logged({ ...charge, at: now - 5 * min, key: 'key-b' });
      const none = logged({ ...charge, at: now - 4 * min, key: '', decision: 'unprotected' });
      const retry = logged({ ...charge, at: now - 3 * min, key: 'key-b', decision: 'replay' }); // same key: not a duplicate
      const single = logged({
        scope: 'caller-a',
        procedure: 'usage.report',
        fingerprint: 'fp-once',
        at: now - min,
        key: 'key-c',
      });
      const otherCaller = logged({ ...charge, scope: 'caller-b', at: now - min, key: 'key-d' });
      const old = logged({ ...charge, at: now - 3 * 60 * min, key: 'key-old' }); // outside the window
      const doc1 = logged({
        at: now - 8 * min,
        kind: 'natural',
        key: 'external_id=ap-1',
        naturalId: 'ap-1',
        procedure: 'documents.create',
      });
      const doc2 = logged({
        at: now - 7 * min,
        kind: 'natural',
        key: 'external_id=ap-1',
        naturalId: 'ap-1',
        procedure: 'documents.create',
        decision: 'replay',
        status: 200,
      });
      const doc3 = logged({
        at: now - 6 * min,
        kind: 'natural',
        key: 'external_id=ap-2',
        naturalId: 'ap-2',
        procedure: 'documents.create',
      });
      const dup = logged({
        at: now - 2 * min,
        key: 'contact-2',
        procedure: 'contacts.create',
        decision: 'duplicate',
        status: 409,
        reason: 'duplicate_contact',
        naturalId: 'customer c-1 josé',
      });
      await store.appendRequests!([old, a, doc1, doc2, doc3, b, none, retry, single, otherCaller, dup]);

      const payload = await admin.duplicates({ kind: 'payload', windowMs: 60 * min, count: true });
      expect(payload.total).toBe(1);
      expect(payload.items).toHaveLength(1);
      const group = payload.items[0]!;
      expect(group).toMatchObject({
        kind: 'payload',
        scope: 'caller-a',
        procedure: 'usage.report',
        fingerprint: 'fp-charge',
        requests: 3,
        keys: 3,
      });
      expect(group.firstSeen).toBe(a.at);
      expect(group.lastSeen).toBe(none.at);
      expect(idsOf(group.members)).toEqual(idsOf([none, b, a]));

      const natural = await admin.duplicates({ kind: 'natural', windowMs: 60 * min, count: true });
      expect(natural.total).toBe(2);
      expect(natural.items.map((g) => [g.procedure, g.key, g.requests])).toEqual([
        ['contacts.create', null, 1],
        ['documents.create', 'external_id=ap-1', 2],
      ]);
      expect(natural.items[0]!.naturalId).toBe('customer c-1 josé');
      expect(idsOf(natural.items[1]!.members)).toEqual(idsOf([doc2, doc1]));
      const paged = await admin.duplicates({ kind: 'natural', windowMs: 60 * min, limit: 1 });
      expect(paged.items).toHaveLength(1);
      const rest = await admin.duplicates({
        kind: 'natural',
        windowMs: 60 * min,
        limit: 1,
        cursor: paged.nextCursor!,
      });
      expect(rest.items.map((g) => g.key)).toEqual(['external_id=ap-1']);
      expect(rest.nextCursor).toBeNull();
      const wider = await admin.duplicates({ kind: 'payload', windowMs: 4 * 60 * min, count: true });
      expect(wider.items[0]!.requests).toBe(4);
    });

    it('D5: the audit log keeps who, what, when and before/after, newest first, paged', async () => {
      const before = await store.now();
      const first = await admin.appendAudit({
        actor: 'ann',
        role: 'admin',
        action: 'key.release',
        target: 'caller-a · orders.create · k1',
        before: { status: 'in_flight', fence: 2, leaseOwner: 'api@host:1' },
        after: null,
      });
      const second = await admin.appendAudit({
        actor: 'ann',
        role: 'admin',
        action: 'keys.purge',
        target: null,
        before: { expired: 3 },
        after: { expired: 0, deleted: 3, batches: [1, 2] },
      });
      expect(first.at).toBeGreaterThanOrEqual(Math.floor(before) - 1);
      expect(second.id > first.id).toBe(true);
      const all = await admin.listAudit();
      expect(all.items).toEqual([second, first]);
      const one = await admin.listAudit({ limit: 1 });
      expect(one.items).toEqual([second]);
      const next = await admin.listAudit({ limit: 1, cursor: one.nextCursor! });
      expect(next.items).toEqual([first]);
      expect(next.nextCursor).toBeNull();
    });

    it('D5: a staff job lives in the store: a second start joins it, progress and its end are kept', async () => {
      const { job, started } = await admin.startJob({
        type: 'purge',
        actor: 'ann',
        progress: { deleted: 0 },
      });
      expect(started).toBe(true);
      expect(job).toMatchObject({
        type: 'purge',
        actor: 'ann',
        state: 'running',
        finishedAt: null,
        error: null,
      });
      const joined = await admin.startJob({ type: 'purge', actor: 'bob', progress: { deleted: 0 } });
      expect(joined).toMatchObject({ started: false, job: { id: job.id, actor: 'ann' } });
      const moved = await admin.updateJob(job.id, { progress: { deleted: 500, batches: 1 } });
      expect(moved).toMatchObject({ state: 'running', progress: { deleted: 500, batches: 1 } });
      const done = await admin.updateJob(job.id, { state: 'done', progress: { deleted: 700, batches: 2 } });
      expect(done?.state).toBe('done');
      expect(done?.finishedAt).not.toBeNull();
      expect(await admin.job({ id: job.id })).toEqual(done);
      expect(await admin.job({ latestOfType: 'purge' })).toEqual(done);
      expect(await admin.job({ latestOfType: 'export' })).toBeUndefined();
      expect(await admin.updateJob(newId(), { state: 'failed' })).toBeUndefined();
      const next = await admin.startJob({ type: 'purge', actor: 'bob', progress: null });
      expect(next.started).toBe(true);
      expect(next.job.id).not.toBe(job.id);
    });

    it('D5: named counters are shared, count up, and end after their time', async () => {
      expect(await admin.counted('login:ann')).toBe(0);
      expect(await admin.count('login:ann', 60_000)).toBe(1);
      expect(await admin.count('login:ann', 60_000)).toBe(2);
      expect(await admin.counted('login:ann')).toBe(2);
      await admin.forget('login:ann');
      expect(await admin.counted('login:ann')).toBe(0);
      expect(await admin.count('short', 30)).toBe(1);
      await passTime(60);
      expect(await admin.counted('short')).toBe(0);
      expect(await admin.count('short', 30)).toBe(1);
    });
  });
}
