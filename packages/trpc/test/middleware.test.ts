// The idempotent() middleware over real HTTP (tRPC's standalone adapter with idem's helper), with typed
// @trpc/client calls, on SQLite (better-sqlite3) and on PostgreSQL (a pg Pool).
import { migrate as migratePg } from '@idem/core/pg';
import { migrate as migrateSqlite } from '@idem/core/sqlite';
import { pgStore } from '@idem/core/pg';
import { createTestPostgres, createTestSqlite } from '@idem/testing';
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import pg from 'pg';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { adminOf } from '@idem/core/admin';
import { BATCH_KEYS_HEADER, REPLAYED_KEYS_HEADER } from '../src/protocol.ts';
import { type App, type AppRouter, type Backend, postgresBackend, sqliteBackend, startApp } from './app.ts';

/**
 * How long a test polls for a request to reach the log. It is written after the client has its answer (when the
 * door reports what it sent); on a loaded machine a flush and a search on PostgreSQL outlast vi.waitFor's 1 s.
 */
const LOGGED = { timeout: 15_000, interval: 50 };

function client(app: App, headers: Record<string, string> = {}, batch = false) {
  const link = (batch ? httpBatchLink : httpLink)({ url: app.url, transformer: superjson, headers });
  return createTRPCClient<AppRouter>({ links: [link] });
}

async function raw(app: App, path: string, body: unknown, headers: Record<string, string>) {
  return fetch(`${app.url}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ json: body }),
  });
}

/** A request over a raw socket: repeated headers and floods exactly as given (fetch would merge them). */
async function rawHttp(app: App, path: string, json: unknown, headers: [string, string][]) {
  const { connect } = await import('node:net');
  const url = new URL(app.url);
  const body = JSON.stringify({ json });
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: ${url.host}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(`${head}\r\n\r\n${body}`));
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString();
    });
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
  });
}

async function clientError(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<AppRouter>;
}

for (const provider of ['sqlite', 'postgresql'] as const) {
  describe(`idempotent() over HTTP on ${provider}`, () => {
    let drop: () => Promise<void>;
    let backend: Backend;
    let app: App;
    const a = { 'x-api-key': 'caller-a' };

    beforeAll(async () => {
      if (provider === 'sqlite') {
        const database = await createTestSqlite({ migrate: migrateSqlite });
        backend = await sqliteBackend(database);
        drop = database.drop;
      } else {
        const database = await createTestPostgres({ migrate: migratePg });
        backend = await postgresBackend(database);
        drop = database.drop;
      }
      app = await startApp(backend);
    });
    afterAll(async () => {
      await app.close();
      await backend.store.close();
      await drop();
    });
    beforeEach(() => app.resetRelease());

    it('K1/K2: a replay returns the identical typed value with the replay header, and the procedure runs once', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const at = new Date('2026-01-02T03:04:05.678Z');
      const first = await client(app, { ...a, 'Idempotency-Key': key }).create.mutate({ amount: 7, at });
      const again = await client(app, { ...a, 'Idempotency-Key': key }).create.mutate({ amount: 7, at });
      expect(again).toEqual(first);
      expect(again.at).toBeInstanceOf(Date);
      expect(first.key).toBe(key);
      expect((await app.effects()).filter((l) => l === 'create:7')).toHaveLength(1);

      const res1 = await raw(app, 'create', { amount: 8 }, { ...a, 'Idempotency-Key': `${key}-raw` });
      const res2 = await raw(app, 'create', { amount: 8 }, { ...a, 'Idempotency-Key': `${key}-raw` });
      expect(res1.status).toBe(201);
      expect(res2.status).toBe(201);
      expect(res1.headers.get('idempotency-replay')).toBeNull();
      expect(res2.headers.get('idempotency-replay')).toBe('true');
      // A header the procedure set is kept with the outcome and answered again.
      expect(res2.headers.get('location')).toBe(res1.headers.get('location'));
      expect(res1.headers.get('location')).toMatch(/^\/orders\/o-\d+$/);
      expect(await res2.text()).toBe(await res1.text());
    });

    it('K3: the same key with another payload is refused with the policy status and data.idempotency', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const c = client(app, { ...a, 'Idempotency-Key': key });
      await c.create.mutate({ amount: 1 });
      const error = await clientError(c.create.mutate({ amount: 2 }));
      expect(error.data?.httpStatus).toBe(422);
      expect((error.data as { idempotency?: { code: string } }).idempotency?.code).toBe(
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect((await app.effects()).filter((l) => l === 'create:2')).toHaveLength(0);
    });

    it('K9: another caller with the same key runs its own call and never sees the first one’s outcome', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const mine = await client(app, { ...a, 'Idempotency-Key': key }).create.mutate({ amount: 3 });
      const theirs = await client(app, { 'x-api-key': 'caller-b', 'Idempotency-Key': key }).create.mutate({
        amount: 3,
      });
      expect(theirs.id).not.toBe(mine.id);
    });

    it('K9: without an authenticated caller the middleware refuses to run', async () => {
      const error = await clientError(client(app, { 'Idempotency-Key': 'k' }).create.mutate({ amount: 1 }));
      expect(error.data?.code).toBe('UNAUTHORIZED');
    });

    it('K4: a duplicate while the first runs gets 409 with Retry-After; the procedure runs once', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const first = client(app, { ...a, 'Idempotency-Key': key }).slow.mutate({ n: 1 });
      await expect.poll(() => app.started()).toBe(true);
      const res = await raw(app, 'slow', { n: 1 }, { ...a, 'Idempotency-Key': key });
      expect(res.status).toBe(409);
      expect(res.headers.get('retry-after')).toBe('1');
      const body = (await res.json()) as {
        error: { json: { data: { idempotency: { code: string; retryAfterMs: number } } } };
      };
      expect(body.error.json.data.idempotency).toEqual({ code: 'IDEMPOTENCY_IN_FLIGHT', retryAfterMs: 1000 });
      app.release();
      expect(await first).toEqual({ done: true });
      expect(app.calls.get('slow')).toBe(1);
    });

    it('K4: wait mode: the duplicate waits for the first and replays its outcome', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const before = app.calls.get('waiting') ?? 0;
      const first = client(app, { ...a, 'Idempotency-Key': key }).waiting.mutate({ n: 1 });
      await expect.poll(() => app.started()).toBe(true);
      const second = client(app, { ...a, 'Idempotency-Key': key }).waiting.mutate({ n: 1 });
      app.release();
      expect(await second).toEqual(await first);
      expect(app.calls.get('waiting')).toBe(before + 1);
    });

    it('K8: error outcomes (4xx and 5xx) are stored and replayed identically without running again', async () => {
      for (const status of [404, 500]) {
        const key = `k-${crypto.randomUUID()}`;
        const headers = { ...a, 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY': key };
        const r1 = await raw(app, 'fail', { status }, headers);
        const r2 = await raw(app, 'fail', { status }, headers);
        expect(r1.status).toBe(status);
        expect(r2.status).toBe(status);
        const strip = (t: string) => t.replace(/"stack":"[^"]*"/, '');
        expect(strip(await r2.text())).toBe(strip(await r1.text()));
      }
      expect(app.calls.get('fail')).toBe(2);
    });

    it('K8 (seed 002): a request rejected by input validation is not stored; the corrected one runs under the same key', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const bad = await raw(app, 'create', { amount: -1 }, { ...a, 'Idempotency-Key': key });
      expect(bad.status).toBe(400);
      const good = await client(app, { ...a, 'Idempotency-Key': key }).create.mutate({ amount: 5 });
      expect(good.amount).toBe(5);
    });

    it('K8 (seed 003): a request rejected by validation is stored like any outcome: replayed, and the key is spent', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const headers = { ...a, 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY': key };
      const before = app.calls.get('usage') ?? 0;
      const invalid = await raw(app, 'usage', { order_id: '', quantity: 3 }, headers);
      expect(invalid.status).toBe(400);
      const again = await raw(app, 'usage', { order_id: '', quantity: 3 }, headers);
      expect(again.status).toBe(400);
      expect(again.headers.get(REPLAYED_KEYS_HEADER)).toBe(JSON.stringify([key]));
      const corrected = await raw(app, 'usage', { order_id: 'ord_1', quantity: 3 }, headers);
      expect(corrected.status).toBe(400);
      const body = (await corrected.json()) as {
        error: { json: { data: { idempotency: { code: string } } } };
      };
      expect(body.error.json.data.idempotency.code).toBe('IDEMPOTENCY_KEY_REUSED');
      const fresh = await raw(
        app,
        'usage',
        { order_id: 'ord_1', quantity: 3 },
        {
          ...a,
          'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY': `${key}-new`,
        },
      );
      expect(fresh.status).toBe(200);
      expect(app.calls.get('usage')).toBe(before + 1);
    });

    it('K5: a key header sent twice is refused with 400 KEY_REPEATED, never run under a merged key', async () => {
      // Over a raw socket: fetch would join the two headers itself before they left.
      const rawRes = await rawHttp(app, '/create', { amount: 41 }, [
        ['x-api-key', 'caller-a'],
        ['Idempotency-Key', 'dup1'],
        ['Idempotency-Key', 'dup2'],
      ]);
      expect(rawRes.status).toBe(400);
      expect(rawRes.body).toContain('KEY_REPEATED');
      expect((await app.effects()).filter((l) => l === 'create:41').length).toBeLessThanOrEqual(1);
    });

    it("K5: a request whose headers reach the server's limit is refused with 431, never run without its key", async () => {
      const before = (await app.effects()).filter((l) => l === 'create:42').length;
      const flood: [string, string][] = Array.from({ length: 1100 }, (_, i) => [`x-pad-${i}`, 'v']);
      const res = await rawHttp(app, '/create', { amount: 42 }, [
        ['x-api-key', 'caller-a'],
        ...flood,
        ['Idempotency-Key', 'late'],
      ]);
      expect(res.status).toBe(431);
      expect(res.body).toContain('REQUEST_HEADERS_TOO_LARGE');
      expect((await app.effects()).filter((l) => l === 'create:42').length).toBe(before);
    });

    it('K5/K6: a too-long key is 400; a required key that is missing is 400; an optional one runs unprotected', async () => {
      const long = await clientError(
        client(app, { ...a, 'Idempotency-Key': 'x'.repeat(256) }).create.mutate({ amount: 1 }),
      );
      expect(long.data?.httpStatus).toBe(400);
      expect((long.data as { idempotency?: { code: string } }).idempotency?.code).toBe('KEY_TOO_LONG');
      const missing = await clientError(client(app, a).note.mutate({ title: 't' }));
      expect((missing.data as { idempotency?: { code: string } }).idempotency?.code).toBe('KEY_MISSING');
      const unprotected = await client(app, a).create.mutate({ amount: 9 });
      expect(unprotected.key).toBeNull();
    });

    it('D7: each call is logged once as the client got it: decision, status, replayed headers, body bytes, route, user agent', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const h = { ...a, 'Idempotency-Key': key, 'user-agent': 'idem-test/1' };
      const first = await raw(app, 'create', { amount: 31 }, { ...h, 'x-request-id': `r1-${key}` });
      const again = await raw(app, 'create', { amount: 31 }, { ...h, 'x-request-id': `r2-${key}` });
      const other = await raw(app, 'create', { amount: 32 }, { ...h, 'x-request-id': `r3-${key}` });
      const repeated = await rawHttp(app, '/create', { amount: 33 }, [
        ['x-api-key', 'caller-a'],
        ['Idempotency-Key', `${key}-a`],
        ['Idempotency-Key', `${key}-b`],
        ['x-request-id', `r4-${key}`],
      ]);
      const bodies = [await first.text(), await again.text(), await other.text()];
      const admin = adminOf(app.engine.store)!;
      const ids = [1, 2, 3, 4].map((n) => `r${n}-${key}`);
      const logged = await vi.waitFor(async () => {
        await app.engine.flushEvents();
        const page = await admin.searchRequests({ requestIds: ids, order: 'oldest' });
        expect(page.items).toHaveLength(4);
        // In the order sent: entries are stamped with the store's clock through a skew read at each round trip,
        // so two calls a few ms apart may list the other way round on a loaded machine.
        return ids.map((id) => page.items.find((r) => r.requestId === id)!);
      }, LOGGED);
      expect(logged.map((r) => [r.requestId, r.decision, r.status])).toEqual([
        [ids[0], 'first_call', 201],
        [ids[1], 'replay', 201],
        [ids[2], 'conflict', 422],
        [ids[3], 'refused', 400],
      ]);
      expect(logged[0]).toMatchObject({
        scope: 'caller-a',
        procedure: 'create',
        key,
        route: 'POST /create',
        userAgent: 'idem-test/1',
        reason: 'new',
        response: { body: bodies[0], redacted: false },
      });
      expect(logged[0]!.response!.headers.location).toBe(first.headers.get('location'));
      expect(logged[1]!.response).toMatchObject({
        body: bodies[1],
        headers: { 'idempotency-replay': 'true' },
      });
      expect(logged[1]!.keyId).toBe(logged[0]!.keyId);
      expect(logged[2]!.response!.body).toBe(bodies[2]);
      expect(logged[3]).toMatchObject({ reason: 'KEY_REPEATED', key: '' });
      // The raw socket read the chunked framing too; the log holds the body the client decoded.
      expect(repeated.body).toContain(logged[3]!.response!.body);
      expect(logged[3]!.response!.body).toContain('KEY_REPEATED');
      expect(logged[0]!.request!.headers['x-api-key']).toBe('[REDACTED]');
      expect(logged[0]!.terms).toContain('amount=31');
      // Found by a payload field, and counted once each though the key's events are several.
      const byField = await admin.searchRequests({
        fields: [{ name: 'amount', value: '31' }],
        scopes: ['caller-a'],
      });
      expect(byField.items.map((r) => r.requestId).sort()).toEqual([ids[0], ids[1]]);
      const refusals = await adminOf(app.engine.store)!.incidents({ kind: 'conflicts' });
      expect(refusals.items.some((e) => e.requestId === ids[2])).toBe(true);
      const events = await app.engine.store.listEvents({ types: ['refused'] });
      expect(events.some((e) => e.requestId === ids[3] && e.detail?.reason === 'KEY_REPEATED')).toBe(true);
    });

    it('D7: in a batch each operation is logged with its own key and decision', async () => {
      const keys = [`b-${crypto.randomUUID()}`, `b-${crypto.randomUUID()}`];
      const batch = client(
        app,
        { ...a, [BATCH_KEYS_HEADER]: JSON.stringify({ 0: keys[0], 1: keys[1] }) },
        true,
      );
      await Promise.all([batch.create.mutate({ amount: 51 }), batch.create.mutate({ amount: 52 })]);
      const admin = adminOf(app.engine.store)!;
      const logged = await vi.waitFor(async () => {
        await app.engine.flushEvents();
        const page = await admin.searchRequests({ text: keys[0] });
        const other = await admin.searchRequests({ text: keys[1] });
        expect([...page.items, ...other.items]).toHaveLength(2);
        return [...page.items, ...other.items];
      }, LOGGED);
      expect(logged.map((r) => [r.key, r.decision])).toEqual([
        [keys[0], 'first_call'],
        [keys[1], 'first_call'],
      ]);
      expect(logged[0]!.terms).toContain('amount=51');
      expect(logged[0]!.request!.body).toBe('{"amount":51}');
      expect(logged[0]!.requestId).toBe(logged[1]!.requestId);
    });

    it('K2 (seed 001): idempotencyStatus is "created", then "replayed"', async () => {
      const c = client(app, {
        ...a,
        'Idempotency-Key': `gmail:t-${crypto.randomUUID()}:customer:c1:create-note`,
      });
      const first = await c.note.mutate({ title: 'Inbound thread' });
      const again = await c.note.mutate({ title: 'Inbound thread' });
      expect(first).toMatchObject({ type: 'note', idempotencyStatus: 'created' });
      expect(again).toEqual({ ...first, idempotencyStatus: 'replayed' });
    });

    it('K2/C6: in one batch each operation has its own key and replays are flagged per operation', async () => {
      const k1 = `k-${crypto.randomUUID()}`;
      const k2 = `k-${crypto.randomUUID()}`;
      await client(app, { ...a, 'Idempotency-Key': k1 }).create.mutate({ amount: 11 });
      const res = await fetch(`${app.url}/create,create?batch=1`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...a,
          [BATCH_KEYS_HEADER]: JSON.stringify({ 0: k1, 1: k2 }),
        },
        body: JSON.stringify({ 0: { json: { amount: 11 } }, 1: { json: { amount: 12 } } }),
      });
      expect(JSON.parse(res.headers.get(REPLAYED_KEYS_HEADER) ?? '[]')).toEqual([k1]);
      const typed = createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({
            url: app.url,
            transformer: superjson,
            headers: { ...a, [BATCH_KEYS_HEADER]: JSON.stringify({ 0: k1, 1: k2 }) },
          }),
        ],
      });
      const [x, y] = await Promise.all([
        typed.create.mutate({ amount: 11 }),
        typed.create.mutate({ amount: 12 }),
      ]);
      expect(x.key).toBe(k1);
      expect(y.key).toBe(k2);
      expect((await app.effects()).filter((l) => l === 'create:12')).toHaveLength(1);
    });

    it('K11: transactional mode: a procedure that throws after writing leaves neither its rows nor a completed key', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const label = `tx-${key}`;
      const c = client(app, { ...a, 'Idempotency-Key': key });
      const error = await clientError(c.transfer.mutate({ label, fail: true }));
      expect(error.data?.code).toBe('BAD_REQUEST');
      expect(await app.effects()).not.toContain(label);
      // The error outcome itself is stored (K8): a retry replays it and writes nothing.
      await clientError(c.transfer.mutate({ label, fail: true }));
      expect(app.calls.get('transfer')).toBe(1);
      const ok = client(app, { ...a, 'Idempotency-Key': `${key}-ok` });
      expect(await ok.transfer.mutate({ label: `${label}-ok`, fail: false })).toEqual({ ok: true });
      expect(await ok.transfer.mutate({ label: `${label}-ok`, fail: false })).toEqual({ ok: true });
      expect((await app.effects()).filter((l) => l === `${label}-ok`)).toHaveLength(1);
    });

    it.runIf(provider === 'postgresql')(
      'K8/K11: a transaction whose connection dies mid-way answers 503 and releases the key; the retry runs once',
      async () => {
        const key = `k-${crypto.randomUUID()}`;
        const label = `dropped-${key}`;
        const c = client(app, { ...a, 'Idempotency-Key': key });
        const error = await clientError(c.transfer.mutate({ label, fail: false, dropConnection: true }));
        expect(error.data?.httpStatus).toBe(503);
        expect((error.data as { idempotency?: { code: string } }).idempotency?.code).toBe(
          'STORE_UNAVAILABLE',
        );
        expect(await app.effects()).not.toContain(label);
        expect(await c.transfer.mutate({ label, fail: false })).toEqual({ ok: true });
        expect((await app.effects()).filter((l) => l === label)).toHaveLength(1);
      },
    );
  });
}

describe('idempotent() with its store down', () => {
  it('fail closed: a store that cannot be reached gives 503 STORE_UNAVAILABLE and the mutation does not run', async () => {
    const database = await createTestSqlite({ migrate: migrateSqlite });
    const backend = await sqliteBackend(database);
    const downPool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const down = pgStore({ pool: downPool, listen: false });
    const app = await startApp(backend, { store: down });
    try {
      const error = await clientError(
        client(app, { 'x-api-key': 'caller-a', 'Idempotency-Key': 'k1' }).create.mutate({ amount: 1 }),
      );
      expect(error.data?.httpStatus).toBe(503);
      expect((error.data as { idempotency?: { code: string } }).idempotency?.code).toBe('STORE_UNAVAILABLE');
      expect(app.calls.get('create')).toBeUndefined();
      expect(await app.effects()).toEqual([]);
    } finally {
      await app.close();
      await downPool.end();
      await database.drop();
    }
  });
});
