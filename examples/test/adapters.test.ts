// Proof that idem installs like any npm library (issue "idem installs like any npm library"): the packed
// packages, installed in an app outside the workspace, compiled by the app's own tsc (NodeNext, strict,
// exactOptionalPropertyTypes, skipLibCheck: false) and run with plain node, make one mutation idempotent on each of
// tRPC 11's server adapters: a first call, an in-flight duplicate (409 + Retry-After), a replay (flagged) and a
// conflict; and a replay through httpBatchStreamLink reaches idem's client flagged.
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Consumer, installConsumer } from './consumer.ts';

const ADAPTERS = ['standalone', 'fetch', 'express', 'fastify'] as const;

async function call(port: number, key: string, input: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}/createOrder`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': 'alice', 'Idempotency-Key': key },
    body: JSON.stringify(superjson.serialize(input)),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

for (const [label, trpc] of [
  ['the newest tRPC 11', undefined],
  ['the oldest tRPC 11 the peer range admits', '11.10.0'],
] as const) {
  describe(`the packed packages in an app of its own, on ${label}`, () => {
    let app: Consumer;
    beforeAll(async () => {
      app = await installConsumer(
        'adapters',
        inject('tarballs'),
        trpc ? { '@trpc/server': trpc, '@trpc/client': trpc } : {},
      );
      // Before 11.25 tRPC's own fastify declarations reference `ws` types that @types/ws 8 does not export, so on
      // the oldest version declaration files go unchecked (ours are checked on the newest); the app's code still is.
      await app.exec('npx', ['tsc', '-p', 'tsconfig.json', ...(trpc ? ['--skipLibCheck'] : [])]);
    });
    afterAll(() => app?.remove());

    for (const adapter of ADAPTERS) {
      it(`K1–K4/C6 on the ${adapter} adapter: first call, in-flight duplicate, replay flagged, conflict refused`, async () => {
        const { port } = await app.serve(`dist/${adapter}.js`);
        const first = await call(port, 'k-first', { sku: 'book', quantity: 1 });
        expect(first.status).toBe(201);
        expect(first.headers.get('x-request-id')).toMatch(/\S/);

        const replay = await call(port, 'k-first', { sku: 'book', quantity: 1 });
        expect(replay.status).toBe(201);
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(replay.headers.get('x-idempotency-replayed')).toBe('["k-first"]');
        expect(replay.body).toBe(first.body);

        const conflict = await call(port, 'k-first', { sku: 'book', quantity: 2 });
        expect(conflict.status).toBe(422);
        expect(conflict.body).toContain('IDEMPOTENCY_KEY_REUSED');
        // Served outside production (tRPC would add a stack trace): idem's refusal carries no server paths.
        expect(conflict.body).not.toContain('"stack"');

        // Two sends of one operation at once: one runs (held 1.5 s), the other is refused while it runs.
        const held = { sku: 'pen', quantity: 1, holdMs: 1500 };
        const pair = await Promise.all([call(port, 'k-held', held), call(port, 'k-held', held)]);
        expect(pair.map((r) => r.status).sort()).toEqual([201, 409]);
        const refused = pair.find((r) => r.status === 409)!;
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(refused.body).toContain('IDEMPOTENCY_IN_FLIGHT');
        expect(refused.body).not.toContain('"stack"');

        const count = await fetch(`http://127.0.0.1:${port}/orderCount`).then((r) => r.json());
        expect(count).toEqual({ result: { data: { json: 2 } } });
      });
    }

    it("C6: through httpBatchStreamLink, whose headers leave first, idem's client still sees the replay flagged", async () => {
      const { port } = await app.serve('dist/standalone.js');
      for (const link of ['stream', 'plain']) {
        const out = JSON.parse(
          (await app.exec('node', ['dist/client.js', `http://127.0.0.1:${port}`, link])).trim(),
        );
        expect(out.first).toMatchObject({ replayed: false, at: true });
        expect(out.again).toEqual({ ...out.first, replayed: true });
      }
    });
  });
}
