import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Decision, Execution } from './decision.ts';
import { createEngine, type Engine } from './engine.ts';
import { IdemError } from './errors.ts';
import { idFloor } from './ids.ts';
import { pgStore } from './pg.ts';
import { definePolicy, type PolicyOptions } from './policy.ts';
import { defaultRedactor, REDACTED } from './redact.ts';
import { createMemoryStore } from './stores/memory/store.ts';

function setup(options: { clock?: () => number; renewLeases?: boolean } = {}) {
  const store = createMemoryStore(options.clock ? { clock: options.clock } : {});
  const engine = createEngine({ store, renewLeases: options.renewLeases ?? false, leaseOwner: 'test-owner' });
  return { store, engine };
}

const request = (policy: PolicyOptions = {}, payload: unknown = { amount: 100 }, key: unknown = 'key-1') => ({
  scope: 'caller-a',
  procedure: 'orders.create',
  key,
  policy: definePolicy(policy),
  payload: { value: payload, raw: JSON.stringify(payload) },
  requestId: 'req-1',
});

function execution(decision: Decision): Execution {
  if (decision.kind !== 'execute') throw new Error(`expected execute, got ${decision.kind}`);
  return decision.execution;
}

async function events(engine: Engine) {
  await engine.flushEvents();
  return (await engine.store.listEvents({ limit: 100 })).reverse();
}

describe('engine', () => {
  it('K1/K2: first call executes, its outcome replays with the stored status, and every step is an event', async () => {
    const { engine } = setup();
    const first = execution(await engine.begin(request()));
    expect(await first.complete({ ok: true, status: 201, body: '{"id":"o1"}' })).toEqual({ stored: true });
    const again = await engine.begin({ ...request(), requestId: 'req-2' });
    expect(again).toMatchObject({
      kind: 'replay',
      outcome: { status: 201, body: '{"id":"o1"}' },
      mismatch: false,
    });
    const log = await events(engine);
    expect(log.map((e) => e.type)).toEqual(['begin', 'complete', 'replay']);
    expect(log[0]).toMatchObject({
      requestId: 'req-1',
      detail: { reason: 'new', fence: 1, leaseOwner: 'test-owner' },
    });
    expect(log[2]).toMatchObject({ requestId: 'req-2', detail: { status: 201 } });
  });

  it('N2: a natural key whose payload changed replays the stored outcome, flagged as a mismatch', async () => {
    const { engine } = setup();
    const policy: PolicyOptions = { onMismatch: 'replay', ttlMs: null };
    const natural = (payload: unknown) => ({
      ...request(policy, payload, 'external_id=e1'),
      kind: 'natural' as const,
    });
    const first = execution(await engine.begin(natural({ external_id: 'e1' })));
    expect(first.ref.kind).toBe('natural');
    await first.complete({ ok: true, status: 201, body: '{}' });
    expect(await engine.begin(natural({ external_id: 'e1', amount: 3 }))).toMatchObject({
      kind: 'replay',
      outcome: { status: 201 },
      mismatch: true,
    });
  });

  it('K3: a conflict changes nothing; its event keeps the redacted conflicting payload and what the edge answered', async () => {
    const { engine } = setup();
    await execution(await engine.begin(request())).complete({ ok: true, status: 201, body: '{}' });
    const conflict = await engine.begin({
      ...request({}, { amount: 200, password: 'hunter2' }),
      answers: { conflict: { status: 409, code: 'IDEMPOTENCY_CONFLICT' } },
    });
    expect(conflict).toMatchObject({ kind: 'conflict', record: { fence: 1, status: 'completed' } });
    const log = await events(engine);
    const event = log.find((e) => e.type === 'conflict')!;
    expect(JSON.parse(event.payload!)).toEqual({ amount: 200, password: REDACTED });
    expect(event.detail).toMatchObject({ status: 409, code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('K4: reject mode refuses a duplicate at once, with the time left on the holder’s lease', async () => {
    const { engine } = setup();
    execution(await engine.begin(request({ leaseMs: 20_000 })));
    const duplicate = await engine.begin(request({ leaseMs: 20_000 }));
    expect(duplicate).toMatchObject({ kind: 'in_flight', waited: false, holder: 'running' });
    if (duplicate.kind === 'in_flight') expect(duplicate.leaseRemainingMs).toBeGreaterThan(19_000);
  });

  it('K4: wait mode latches on the first request and replays its outcome', async () => {
    const { engine } = setup();
    const policy: PolicyOptions = { inFlight: { mode: 'wait' } };
    const first = execution(await engine.begin(request(policy)));
    const second = engine.begin(request(policy));
    await first.complete({ ok: true, status: 201, body: '{"n":1}' });
    expect(await second).toMatchObject({ kind: 'replay', outcome: { status: 201, body: '{"n":1}' } });
    const replay = (await events(engine)).find((e) => e.type === 'replay');
    expect(replay?.detail).toMatchObject({ waited: true });
  });

  it('K4: serialize mode (seed 003) processes duplicates one after the other and refuses the later one', async () => {
    const { engine } = setup();
    const policy: PolicyOptions = { inFlight: { mode: 'serialize' } };
    const first = execution(await engine.begin(request(policy)));
    const second = engine.begin(request(policy));
    await first.complete({ ok: true, status: 200, body: '{}' });
    expect(await second).toMatchObject({
      kind: 'in_flight',
      waited: true,
      holder: 'finished',
      leaseRemainingMs: 0,
    });
    const refusal = (await events(engine)).find((e) => e.type === 'in_flight');
    // Logged after the first completed, and saying so: not "still running".
    expect(refusal?.detail).toMatchObject({ waited: true, holder: 'finished' });
  });

  it('K4: a waiting duplicate runs itself when the first gives up without an outcome', async () => {
    const { engine } = setup();
    const policy: PolicyOptions = { inFlight: { mode: 'wait' } };
    const first = execution(await engine.begin(request(policy)));
    const second = engine.begin(request(policy));
    await first.abandon();
    expect(await second).toMatchObject({ kind: 'execute', reason: 'new' });
  });

  it('K4: waiting is bounded by waitTimeoutMs, then refused like reject mode', async () => {
    const { engine } = setup();
    const policy: PolicyOptions = { inFlight: { mode: 'wait', waitTimeoutMs: 50 } };
    execution(await engine.begin(request(policy)));
    expect(await engine.begin(request(policy))).toMatchObject({ kind: 'in_flight', waited: true });
  });

  it('K4: 200 concurrent begins through the engine give exactly one execute', async () => {
    const { engine } = setup();
    const decisions = await Promise.all(Array.from({ length: 200 }, () => engine.begin(request())));
    expect(decisions.filter((d) => d.kind === 'execute')).toHaveLength(1);
    expect(decisions.filter((d) => d.kind === 'in_flight')).toHaveLength(199);
  });

  it('K5/K6: bad keys are refused before anything is stored; a missing optional key runs unprotected', async () => {
    const { engine, store } = setup();
    expect(await engine.begin(request({}, {}, ''))).toMatchObject({ kind: 'invalid', code: 'KEY_EMPTY' });
    expect(await engine.begin(request({}, {}, 'k'.repeat(256)))).toMatchObject({
      kind: 'invalid',
      code: 'KEY_TOO_LONG',
    });
    expect(await engine.begin(request({}, {}, 'tab\there'))).toMatchObject({
      kind: 'invalid',
      code: 'KEY_INVALID_CHARS',
    });
    expect(await engine.begin(request({ key: { required: true } }, {}, null))).toMatchObject({
      kind: 'invalid',
      code: 'KEY_MISSING',
    });
    expect(await engine.begin(request({}, {}, null))).toMatchObject({ kind: 'unprotected' });
    expect((store as unknown as { size: number }).size).toBe(0);
  });

  it('refusals of bad keys are recorded for support, at most ten per caller, operation and reason a minute', async () => {
    const { engine } = setup();
    for (let i = 0; i < 15; i++)
      await engine.begin({ ...request({}, {}, 'k'.repeat(300)), requestId: `r${i}` });
    await engine.begin(request({ key: { required: true } }, {}, null));
    const refused = (await events(engine)).filter((e) => e.type === 'refused');
    expect(refused.filter((e) => e.detail?.reason === 'KEY_TOO_LONG')).toHaveLength(10);
    expect(refused.find((e) => e.detail?.reason === 'KEY_MISSING')).toMatchObject({
      scope: 'caller-a',
      procedure: 'orders.create',
      requestId: 'req-1',
    });
  });

  it('D7: a request is logged as answered: redacted, bounded, searchable by its fields, stamped with the store clock', async () => {
    const { store, engine } = setup({ clock: () => 1_000_000 });
    const decision = await engine.begin(request());
    const run = execution(decision);
    await run.complete({ ok: true, status: 201, body: '{"id":"o1"}' });
    engine.recordRequest({
      scope: 'caller-a',
      procedure: 'orders.create',
      key: 'key-1',
      keyId: run.record.id,
      requestId: 'req-1',
      decision: 'first_call',
      reason: 'new',
      status: 201,
      route: 'POST /v1/orders',
      userAgent: 'curl/8',
      address: '10.0.0.1',
      payload: { order_id: 'ord_1', card: '4242 4242 4242 4242', note: 'x'.repeat(40_000) },
      requestHeaders: { 'x-api-key': 'sk_live_secret', 'content-type': 'application/json' },
      responseHeaders: { 'Idempotent-Replayed': 'true', 'set-cookie': ['a=1'] },
      responseBody: '{"id":"o1"}',
    });
    await engine.flushEvents();
    const [logged] = (await store.admin.searchRequests({ fields: [{ name: 'order_id', value: 'ord_1' }] }))
      .items;
    expect(logged).toMatchObject({
      keyId: run.record.id,
      decision: 'first_call',
      status: 201,
      route: 'POST /v1/orders',
      userAgent: 'curl/8',
      address: '10.0.0.1',
      response: {
        body: '{"id":"o1"}',
        bytes: 11,
        redacted: false,
        headers: { 'idempotent-replayed': 'true' },
      },
    });
    // The engine stamps store time (the memory store's clock is fixed here), not the process's.
    expect(logged!.at - 1_000_000).toBeGreaterThanOrEqual(0);
    expect(logged!.at - 1_000_000).toBeLessThan(1000);
    expect(logged!.request!.headers['x-api-key']).toBe(REDACTED);
    expect(logged!.response!.headers['set-cookie']).toBe(REDACTED);
    expect(logged!.request!.body).not.toContain('4242');
    expect(logged!.request!.redacted).toBe(true);
    expect(logged!.request!.body!.length).toBeLessThan(17 * 1024);
    expect(logged!.request!.bytes).toBeGreaterThan(40_000);
    expect(logged!.terms).toContain('order_id=ord_1');
    expect(logged!.terms.some((t) => t.includes('4242'))).toBe(false);
  });

  it('D7: a call’s payload is redacted once, for its key row and its logged request together', async () => {
    const payload = { order_id: 'ord_1', password: 'hunter2', lines: [{ sku: 'a', qty: 1 }] };
    let walks = 0;
    // Counts the walks over this payload, or over a copy of it (a request body parsed back).
    const redactor = (value: unknown): unknown => {
      if (value !== null && typeof value === 'object' && 'order_id' in value) walks++;
      return defaultRedactor(value);
    };
    const store = createMemoryStore();
    const engine = createEngine({ store, renewLeases: false, redactor });
    const run = execution(await engine.begin({ ...request({}, payload), payload: { value: payload } }));
    await run.complete({ ok: true, status: 201, body: '{"id":"o1"}' });
    engine.recordRequest({
      scope: 'caller-a',
      procedure: 'orders.create',
      key: 'key-1',
      keyId: run.record.id,
      decision: 'first_call',
      status: 201,
      payload,
      responseBody: '{"id":"o1"}',
    });
    await engine.flushEvents();
    const [logged] = (await store.admin.searchRequests({ fields: [{ name: 'order_id', value: 'ord_1' }] }))
      .items;
    expect(walks).toBe(1);
    expect(JSON.parse(logged!.request!.body!)).toEqual({ ...payload, password: REDACTED });
    expect(logged!.request).toMatchObject({ redacted: true, bytes: JSON.stringify(payload).length });
    expect((await store.get(run.ref))!.requestPayload).not.toContain('hunter2');
  });

  it('D6: an unprotected call can tell its fingerprint, equal to a keyed call of the same payload', async () => {
    const { engine } = setup();
    const unprotected = await engine.begin(request({}, { amount: 100 }, null));
    if (unprotected.kind !== 'unprotected') throw new Error('expected unprotected');
    const keyed = execution(await engine.begin(request({}, { amount: 100 }, 'key-9')));
    expect(unprotected.fingerprint()).toBe(keyed.record.fingerprint);
  });

  it('refused requests are logged at most ten per caller, operation and reason a minute', async () => {
    const { store, engine } = setup();
    for (let i = 0; i < 12; i++)
      engine.recordRequest({
        scope: 'caller-a',
        procedure: 'orders.create',
        decision: 'refused',
        reason: 'KEY_MISSING',
        status: 400,
      });
    engine.recordRequest({
      scope: 'caller-a',
      procedure: 'orders.create',
      decision: 'refused',
      reason: 'KEY_TOO_LONG',
      status: 400,
    });
    await engine.flushEvents();
    const refused = await store.admin.searchRequests({ decisions: ['refused'], limit: 100 });
    expect(refused.items.filter((r) => r.reason === 'KEY_MISSING')).toHaveLength(10);
    expect(refused.items.filter((r) => r.reason === 'KEY_TOO_LONG')).toHaveLength(1);
  });

  it('bad payloads get typed refusals: too large and not JSON', async () => {
    const { engine } = setup();
    const big = { blob: 'x'.repeat(2048) };
    expect(await engine.begin(request({ maxPayloadBytes: 1024 }, big))).toMatchObject({
      kind: 'invalid',
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await engine.begin({ ...request(), payload: { value: { n: Number.NaN } } })).toMatchObject({
      kind: 'invalid',
      code: 'PAYLOAD_INVALID',
    });
  });

  it('K8: an outcome the policy does not store releases the key, so a retry runs again', async () => {
    const { engine } = setup();
    const policy: PolicyOptions = { store: { serverErrors: false } };
    const first = execution(await engine.begin(request(policy)));
    expect(await first.complete({ ok: false, status: 503, body: '{}' })).toEqual({ stored: false });
    expect(await engine.begin(request(policy))).toMatchObject({ kind: 'execute', reason: 'new' });
  });

  it('K8: a validation refusal is kept only when the policy stores invalid requests (seed 003, not seed 002)', async () => {
    const { engine } = setup();
    const invalid = { ok: false, status: 400, body: '{"error":"validation_error"}' };
    const notKept = execution(await engine.begin(request({}, { a: 1 }, 'v-1')));
    expect(await notKept.complete(invalid, { invalidRequest: true })).toEqual({ stored: false });
    expect(await engine.begin(request({}, { a: 2 }, 'v-1'))).toMatchObject({ kind: 'execute' });
    const kept = execution(
      await engine.begin(request({ store: { invalidRequests: true } }, { a: 1 }, 'v-2')),
    );
    expect(await kept.complete(invalid, { invalidRequest: true })).toEqual({ stored: true });
    expect(await engine.begin(request({ store: { invalidRequests: true } }, { a: 1 }, 'v-2'))).toMatchObject({
      kind: 'replay',
      outcome: { status: 400 },
    });
  });

  it('K11: a holder whose lease was taken over gets LEASE_LOST; the new holder’s outcome stands', async () => {
    let now = 1_800_000_000_000;
    const { engine } = setup({ clock: () => now });
    const policy: PolicyOptions = { leaseMs: 100 };
    const first = execution(await engine.begin(request(policy)));
    now += 150;
    const second = execution(await engine.begin(request(policy)));
    expect(second.ref.fence).toBe(2);
    await expect(first.complete({ ok: true, status: 201, body: '{"from":"first"}' })).rejects.toMatchObject({
      code: 'LEASE_LOST',
    });
    // Giving the key back after that (a rolled-back transaction does) is refused too, and is the same lost lease.
    await expect(first.abandon()).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await second.complete({ ok: true, status: 201, body: '{"from":"second"}' });
    expect(await engine.begin(request(policy))).toMatchObject({
      kind: 'replay',
      outcome: { body: '{"from":"second"}' },
    });
    expect((await events(engine)).map((e) => e.type)).toEqual([
      'begin',
      'takeover',
      'lease_lost',
      'complete',
      'replay',
    ]);
  });

  it('K11: a running holder renews its lease, so a duplicate stays refused past the first lease', async () => {
    const { engine } = setup({ renewLeases: true });
    const policy: PolicyOptions = { leaseMs: 150 };
    const holder = execution(await engine.begin(request(policy)));
    const start = await engine.store.now();
    // Wait for the store's clock to pass three leases while the heartbeat runs.
    await new Promise<void>((resolve) => {
      const tick = async () => ((await engine.store.now()) - start > 450 ? resolve() : setTimeout(tick, 50));
      void tick();
    });
    expect((await engine.begin(request(policy))).kind).toBe('in_flight');
    expect(holder.signal.aborted).toBe(false);
    await holder.complete({ ok: true, status: 200, body: '{}' });
    await engine.close();
  });

  it('K11: when the lease is lost the holder’s signal aborts, so it can stop early', async () => {
    let now = 1_800_000_000_000;
    const { engine } = setup({ clock: () => now, renewLeases: true });
    const holder = execution(await engine.begin(request({ leaseMs: 30 })));
    now += 100;
    execution(await engine.begin(request({ leaseMs: 30 })));
    await new Promise((resolve) => holder.signal.addEventListener('abort', resolve, { once: true }));
    expect(holder.signal.reason).toMatchObject({ code: 'LEASE_LOST' });
    await engine.close();
  });

  it('K7: purgeExpired works in bounded batches, reports progress and records one purge event', async () => {
    let now = 1_800_000_000_000;
    const { engine } = setup({ clock: () => now });
    const policy: PolicyOptions = { ttlMs: 1000, leaseMs: 100 };
    for (let i = 0; i < 2500; i++) {
      await execution(await engine.begin(request(policy, { i }, `k-${i}`))).complete({
        ok: true,
        status: 200,
        body: '{}',
      });
    }
    now += 1000;
    const progress: number[] = [];
    const result = await engine.purgeExpired({
      batchSize: 1000,
      onProgress: (p) => progress.push(p.deleted),
    });
    expect(result).toEqual({ deleted: 2500, batches: 3 });
    expect(progress).toEqual([1000, 2000, 2500]);
    const purge = (await events(engine)).filter((e) => e.type === 'purge');
    expect(purge).toHaveLength(1);
    expect(purge[0]?.detail).toEqual({ deleted: 2500, batches: 3 });
  });

  it('events older than the retention are purged by the store clock; newer ones stay', async () => {
    const now = 1_800_000_000_000;
    const { engine, store } = setup({ clock: () => now });
    const event = (ms: number, key: string) => ({
      id: `${idFloor(ms).slice(0, 24)}${key.padStart(12, '0')}`,
      keyId: null,
      scope: 's',
      procedure: 'p',
      kind: 'key' as const,
      key,
      type: 'replay' as const,
      at: ms,
      requestId: null,
      fingerprint: null,
      payload: null,
      detail: null,
    });
    const day = 86_400_000;
    await store.appendEvents([
      event(now - 40 * day, '1'),
      event(now - 31 * day, '2'),
      event(now - 29 * day, '3'),
    ]);
    expect(await engine.purgeEvents({ olderThanMs: 30 * day, batchSize: 1 })).toBe(2);
    expect((await store.listEvents({})).map((e) => e.key)).toEqual(['3']);
  });

  it('D5: release frees a stuck key and is recorded with its actor', async () => {
    const { engine } = setup();
    execution(await engine.begin(request()));
    const released = await engine.release(
      { scope: 'caller-a', procedure: 'orders.create', kind: 'key', key: 'key-1' },
      'admin@example',
    );
    expect(released?.status).toBe('in_flight');
    expect(await engine.begin(request())).toMatchObject({ kind: 'execute', reason: 'new' });
    expect((await events(engine)).find((e) => e.type === 'release')?.detail).toMatchObject({
      actor: 'admin@example',
    });
  });

  it('D8: void removes a stored failure, recorded with its actor and reason, so the retry runs fresh', async () => {
    const { engine } = setup();
    await execution(await engine.begin(request())).complete({ ok: false, status: 500, body: '{}' });
    expect((await engine.begin(request())).kind).toBe('replay');
    const ref = { scope: 'caller-a', procedure: 'orders.create', kind: 'key' as const, key: 'key-1' };
    const voided = await engine.void(ref, 'ann', 'billing fixed; customer retries');
    expect(voided?.outcome?.status).toBe(500);
    expect(await engine.begin(request())).toMatchObject({ kind: 'execute', reason: 'new' });
    expect((await events(engine)).find((e) => e.type === 'void')?.detail).toMatchObject({
      actor: 'ann',
      reason: 'billing fixed; customer retries',
    });
  });

  it('D2: the stored request payload is redacted and bounded', async () => {
    const store = createMemoryStore();
    const engine = createEngine({ store, maxStoredPayloadBytes: 64, renewLeases: false });
    const decision = await engine.begin(request({}, { token: 'secret-token', note: 'n'.repeat(200) }));
    const stored = execution(decision).record.requestPayload!;
    expect(stored).toContain(`"token":"${REDACTED}"`);
    expect(stored).not.toContain('secret-token');
    expect(stored).toMatch(/…\[truncated \d+ bytes\]$/);
  });

  it('K9: a request without a caller scope is refused, never stored unscoped', async () => {
    const { engine } = setup();
    await expect(engine.begin({ ...request(), scope: '' })).rejects.toMatchObject({ code: 'SCOPE_MISSING' });
  });

  it('fail closed: a store that is down gives STORE_UNAVAILABLE and no execute', async () => {
    // A real PostgreSQL pool pointed at a port where nothing listens.
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const engine = createEngine({ store: pgStore({ pool, listen: false }) });
    const error = await engine.begin(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdemError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await engine.close();
    await pool.end();
  });

  it('K11: an engine-wide lease override replaces the policy lease, for claims and for renewals', async () => {
    let now = 1_000_000;
    const store = createMemoryStore({ clock: () => now });
    const engine = createEngine({ store, renewLeases: true, leaseMs: 300 });
    const held = execution(await engine.begin(request({ leaseMs: 60_000 })));
    expect(held.record.leaseExpiresAt! - held.record.createdAt).toBe(300);
    expect(held.policy.leaseMs).toBe(300);
    // The holder dies without renewing: 300 ms later a retry takes the key over.
    await engine.close();
    now += 301;
    const retry = await engine.begin(request({ leaseMs: 60_000 }));
    expect(retry).toMatchObject({ kind: 'execute', reason: 'lease_expired' });
  });
});
