// The idempotent() middleware over real HTTP (tRPC's standalone adapter), with typed @trpc/client calls,
// on SQLite and on PostgreSQL.
import { createEngine } from '@idem/core';
import { createSqlStore } from '@idem/core/prisma';
import { type Database, openDatabase } from '@idem/db';
import { createTestDatabase, type TestDatabase } from '@idem/db/testing';
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BATCH_KEYS_HEADER, REPLAYED_KEYS_HEADER } from '../src/server/index.ts';
import { type App, type AppRouter, startApp } from './app.ts';

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
    let database: TestDatabase;
    let db: Database;
    let app: App;
    const a = { 'x-api-key': 'caller-a' };

    beforeAll(async () => {
      database = await createTestDatabase(provider);
      db = await database.open();
      app = await startApp(db);
    });
    afterAll(async () => {
      await app.close();
      await db.prisma.$disconnect();
      await database.drop();
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

    it('K8: a request rejected by input validation is not stored; the corrected one runs under the same key', async () => {
      const key = `k-${crypto.randomUUID()}`;
      const bad = await raw(app, 'create', { amount: -1 }, { ...a, 'Idempotency-Key': key });
      expect(bad.status).toBe(400);
      const good = await client(app, { ...a, 'Idempotency-Key': key }).create.mutate({ amount: 5 });
      expect(good.amount).toBe(5);
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
    const database = await createTestDatabase('sqlite');
    const db = await database.open();
    const down = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', migrate: false });
    const app = await startApp(db, { store: createSqlStore({ client: down.prisma, dialect: 'postgresql' }) });
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
      await down.prisma.$disconnect();
      await db.prisma.$disconnect();
      await database.drop();
    }
  });
  void createEngine;
});
