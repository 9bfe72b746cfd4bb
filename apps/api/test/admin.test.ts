// The admin router (SPEC D1–D5) over real HTTP, on SQLite and on PostgreSQL: keys made through the seeds' REST
// routes are found, told, counted and acted on as the dashboard's server would, with the admin token and the
// signed-in person's name and role.
import { createHash } from 'node:crypto';
import { definePolicy } from '@idem/core';
import { untilStoreTime } from '@idem/core/conformance';
import { idempotencyHeaders, idempotencyLink, idempotencyOf } from '@idem/trpc/client';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_TOKEN } from '../src/env.ts';
import type { AppRouter } from '../src/routers/index.ts';
import { type Harness, KEY_A, type Reply, startHarness, uniqueKey } from './harness.ts';

interface StaffOptions {
  token?: string | null;
  actor?: string;
  role?: string;
}

/** The admin router as the dashboard's server calls it. */
function adminClient(url: string, options: StaffOptions = {}) {
  const token = options.token === undefined ? DEMO_ADMIN_TOKEN : options.token;
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url}/trpc`,
        transformer: superjson,
        headers: () => ({
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(options.actor === '' ? {} : { 'x-idem-actor': options.actor ?? 'ann' }),
          'x-idem-role': options.role ?? 'admin',
        }),
      }),
    ],
  });
  return client.idemAdmin;
}

/** The HTTP status and stable code of a failed admin call. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = error.data as { httpStatus: number; appCode: string };
      return { status: data.httpStatus, code: data.appCode };
    }
    throw error;
  }
  throw new Error('expected the call to be refused');
}

const requestId = (reply: Reply) => reply.headers.get('x-request-id');

for (const provider of ['sqlite', 'postgresql'] as const) {
  describe(`the admin router on ${provider}`, () => {
    let h: Harness;
    let admin: ReturnType<typeof adminClient>;
    beforeAll(async () => {
      h = await startHarness(provider);
      admin = adminClient(h.api.url);
    });
    afterAll(async () => {
      await h.close();
    });

    it('D5: every admin procedure needs the admin token, a named person and a known role', async () => {
      const url = h.api.url;
      expect(await refusal(adminClient(url, { token: null }).whoami.query())).toEqual({
        status: 401,
        code: 'admin_unauthorized',
      });
      expect(await refusal(adminClient(url, { token: 'wrong' }).keys.query({}))).toMatchObject({
        status: 401,
      });
      // A caller's API key is not the admin token.
      expect(await refusal(adminClient(url, { token: KEY_A }).overview.query())).toMatchObject({
        status: 401,
      });
      expect(await refusal(adminClient(url, { actor: '' }).whoami.query())).toEqual({
        status: 401,
        code: 'staff_unknown',
      });
      expect(await refusal(adminClient(url, { role: 'root' }).whoami.query())).toEqual({
        status: 401,
        code: 'staff_unknown',
      });
      expect(await admin.whoami.query()).toEqual({ actor: 'ann', role: 'admin', store: provider });
    });

    it('D1/D2: a retried, replayed and conflicted key is found and its story told, secrets redacted', async () => {
      const key = uniqueKey('charge');
      const external = uniqueKey('crm');
      const body = { external_id: external, first_name: 'Camille', api_token: 'sk_live_do_not_show' };
      const first = await h.post('/v1/profiles', body, { 'Idempotency-Key': key });
      const replay = await h.post('/v1/profiles', body, { 'Idempotency-Key': key });
      const conflict = await h.post(
        '/v1/profiles',
        { ...body, first_name: 'Camilla' },
        {
          'Idempotency-Key': key,
        },
      );
      expect([first.status, replay.status, conflict.status]).toEqual([201, 201, 409]);
      await h.api.engine.flushEvents();

      const found = await admin.keys.query({ key });
      expect(found.items).toHaveLength(1);
      const row = found.items[0]!;
      expect(row).toMatchObject({
        scope: 'demo-a',
        procedure: 'noticia.profiles.upsert',
        state: 'completed',
        outcomeStatus: 201,
        requestId: requestId(first),
      });
      expect((await admin.keys.query({ keyPrefix: key.slice(0, 12) })).items.map((r) => r.key)).toContain(
        key,
      );
      expect(
        (await admin.keys.query({ scope: 'demo-a', procedure: 'noticia.profiles.upsert' })).items.map(
          (r) => r.id,
        ),
      ).toContain(row.id);
      const natural = await admin.keys.query({ naturalId: external });
      expect(natural.items.map((r) => [r.procedure, r.kind, r.key])).toEqual([
        ['noticia.profiles.upsert', 'natural', `external_id=${external}`],
      ]);

      const story = await admin.story.query({ id: row.id });
      expect(story.record?.fingerprint).toMatch(/\S{20,}/);
      // Shown keyed, not as stored: a bare SHA-256 of the request would let staff test guesses of its secrets.
      const stored = createHash('sha256').update(JSON.stringify(body)).digest('base64url');
      expect(story.record?.fingerprint).not.toBe(stored);
      expect(JSON.stringify(story)).not.toContain(stored);
      const shownOf = (type: string) => story.events.find((e) => e.type === type)?.fingerprint;
      expect(shownOf('replay')).toBe(story.record?.fingerprint);
      expect(shownOf('conflict')).not.toBe(story.record?.fingerprint);
      expect(story.record?.request).toContain('"api_token": "[REDACTED]"');
      expect(story.record?.outcome?.status).toBe(201);
      expect(story.record?.outcome?.body).toContain('"first_name": "Camille"');
      expect(story.record?.outcome?.body).toContain('[REDACTED]');
      expect(JSON.stringify(story)).not.toContain('sk_live_do_not_show');
      const timeline = story.events.map((e) => [e.type, e.requestId]).reverse();
      expect(timeline).toEqual([
        ['begin', requestId(first)],
        ['complete', requestId(first)],
        ['replay', requestId(replay)],
        ['conflict', requestId(conflict)],
      ]);
      const conflicting = story.events.find((e) => e.type === 'conflict')!;
      expect(conflicting.payload).toContain('"first_name": "Camilla"');
      expect(conflicting.payload).not.toContain('sk_live_do_not_show');
      expect(await admin.story.query({ scope: 'demo-a', procedure: row.procedure, key })).toEqual({
        ...story,
        now: expect.any(Number),
      });
      expect(await refusal(admin.story.query({ id: 'no-such-key' }))).toEqual({
        status: 404,
        code: 'key_not_found',
      });
    });

    it('D1/D2: an in-flight refusal is in the story, and the key was findable as in flight meanwhile', async () => {
      const key = uniqueKey('slow');
      const trigger = { name: 'welcome', to: { subscriberId: 'sub-1' }, payload: {} };
      const slow = h.post('/v1/events/trigger', trigger, {
        'Idempotency-Key': key,
        'x-demo-delay-ms': '2000',
      });
      await expect
        .poll(async () => (await admin.keys.query({ key, state: 'in_flight' })).items.length, {
          timeout: 10_000,
        })
        .toBe(1);
      const refused = await h.post('/v1/events/trigger', trigger, { 'Idempotency-Key': key });
      expect(refused.status).toBe(409);
      expect((await slow).status).toBe(201);
      await h.api.engine.flushEvents();
      const [row] = (await admin.keys.query({ key })).items;
      expect(row?.state).toBe('completed');
      const story = await admin.story.query({ id: row!.id });
      expect(story.events.map((e) => e.type).reverse()).toEqual(['begin', 'in_flight', 'complete']);
      expect(story.events.find((e) => e.type === 'in_flight')?.requestId).toBe(requestId(refused));
    });

    it('D3: conflicts and natural duplicates are listed newest first, each naming its key', async () => {
      const key = uniqueKey('note');
      const note = {
        primarySubject: { type: 'customer', id: 'c1' },
        noteType: 'call',
        title: 'Hi',
        body: 'a',
      };
      await h.post('/notes', note, { 'Idempotency-Key': key });
      await h.post('/notes', { ...note, body: 'b' }, { 'Idempotency-Key': key });
      const parent = { type: 'customer', id: uniqueKey('p') };
      await h.post(
        '/contacts',
        { parent, name: 'Ann', email: 'ann@example.com' },
        { 'Idempotency-Key': uniqueKey() },
      );
      const duplicate = await h.post(
        '/contacts',
        { parent, name: 'Ann', email: 'ann@example.com' },
        { 'Idempotency-Key': uniqueKey() },
      );
      expect(duplicate.status).toBe(409);
      const ticket = uniqueKey('ticket');
      await h.post('/v1/sales-events', { external_id: ticket, amount: 1 });
      await h.post('/v1/sales-events', { external_id: ticket, amount: 1 });
      await h.api.engine.flushEvents();

      const conflicts = await admin.incidents.query({ kind: 'conflicts' });
      expect(conflicts.items[0]).toMatchObject({ type: 'conflict', key: expect.any(String) });
      expect(conflicts.items.some((e) => e.key === key && e.payload?.includes('"body": "b"'))).toBe(true);
      const ids = conflicts.items.map((e) => e.id);
      expect(ids).toEqual([...ids].sort().reverse());

      const natural = await admin.incidents.query({ kind: 'natural' });
      const types = natural.items.map((e) => `${e.type} ${e.procedure} ${e.kind}`);
      expect(types).toContain('natural_duplicate shelfcycle.contacts.create key');
      expect(types).toContain('replay noticia.salesEvents.ingest natural');
      expect(natural.items.find((e) => e.type === 'natural_duplicate')?.requestId).toBe(requestId(duplicate));
      const page = await admin.incidents.query({ kind: 'natural', limit: 1 });
      expect(page.items).toHaveLength(1);
      const next = await admin.incidents.query({ kind: 'natural', limit: 1, cursor: page.nextCursor! });
      expect(next.items[0]!.id < page.items[0]!.id).toBe(true);
    });

    it('D4: the overview counts first calls, replays and conflicts as they happen', async () => {
      const before = await admin.overview.query({ windowMs: 3_600_000, bucketMs: 300_000 });
      const key = uniqueKey();
      const usage = {
        order_id: 'ord-1',
        internal_usage_id: uniqueKey('u'),
        quantity: 2,
        occurred_at: '2026-11-27T10:00:00Z',
      };
      const header = 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY';
      await h.post('/v1/usage', usage, { [header]: key });
      await h.post('/v1/usage', usage, { [header]: key });
      await h.post('/v1/usage', { ...usage, quantity: 3 }, { [header]: key });
      await h.api.engine.flushEvents();
      const after = await admin.overview.query({ windowMs: 3_600_000, bucketMs: 300_000 });
      expect(after.buckets).toHaveLength(12);
      expect(after.totals.begin - before.totals.begin).toBe(1);
      expect(after.totals.replay - before.totals.replay).toBe(1);
      expect(after.totals.conflict - before.totals.conflict).toBe(1);
      const sum = (s: typeof after, k: 'begin' | 'replay' | 'conflict') =>
        s.buckets.reduce((n, b) => n + b[k], 0);
      expect(sum(after, 'replay')).toBe(after.totals.replay);
      expect(after.replayRate).toBeGreaterThan(0);
      expect(after.conflictRate).toBeGreaterThan(0);
    });

    it("D1/D7: a request is found by its request id, by its route as users name it, by a payload field and by its caller's name, and shows exactly what the client got", async () => {
      const header = 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY';
      const order = uniqueKey('ord_broken');
      const usage = {
        order_id: order,
        internal_usage_id: uniqueKey('u'),
        quantity: 1,
        occurred_at: '2026-11-27T10:00:00Z',
      };
      const key = uniqueKey('u');
      const failed = await h.post('/v1/usage', usage, { [header]: key, 'user-agent': 'billing-sync/2.1' });
      const again = await h.post('/v1/usage', usage, { [header]: key });
      expect([failed.status, again.status]).toEqual([500, 500]);
      expect(failed.json.error.code).toBe('billing_unavailable');
      await h.api.engine.flushEvents();

      const byId = await admin.requests.query({ q: requestId(failed)! });
      expect(byId.matched).toBe('exact');
      expect(byId.items.map((r) => [r.requestId, r.decision, r.status])).toEqual([
        [requestId(failed), 'first_call', 500],
      ]);
      const detail = await admin.request.query({ id: byId.items[0]!.id });
      // The client's own bytes: the REST envelope with its error code, not the stored tRPC error.
      expect(detail.response?.body).toBe(failed.text);
      expect(detail).toMatchObject({
        route: 'POST /v1/usage',
        userAgent: 'billing-sync/2.1',
        caller: 'Demo Shop A · key …ey-a',
        key,
        procedure: 'salesbricks.usage.report',
      });
      expect(detail.request?.headers['x-api-key']).toBe('[REDACTED]');
      expect(detail.request?.body).toBe(JSON.stringify(usage));
      expect(detail.address).toMatch(/127\.0\.0\.1/);
      const replayed = await admin.request.query({
        id: (await admin.requests.query({ q: requestId(again)! })).items[0]!.id,
      });
      expect(replayed).toMatchObject({ decision: 'replay', status: 500 });
      expect(replayed.response?.body).toBe(again.text);

      const field = `order_id = ${order}`;
      for (const route of [
        'POST /v1/usage',
        '/v1/usage',
        'usage',
        'seed 003',
        'salesbricks',
        'salesbricks.usage.report',
      ]) {
        const page = await admin.requests.query({ route, field, count: true });
        expect(
          page.items.map((r) => r.requestId),
          route,
        ).toEqual([requestId(again), requestId(failed)]);
        expect(page.total).toEqual({ value: 2, relation: 'exact' });
      }
      expect((await admin.requests.query({ route: 'notes', field })).items).toEqual([]);
      expect((await admin.requests.query({ caller: 'demo shop a', field })).items).toHaveLength(2);
      expect((await admin.requests.query({ caller: '…ey-a', field })).items).toHaveLength(2);
      expect((await admin.requests.query({ caller: 'Demo Shop B', field })).items).toEqual([]);
      expect(
        (await admin.requests.query({ status: '5xx', field, decision: 'replay' })).items.map(
          (r) => r.requestId,
        ),
      ).toEqual([requestId(again)]);
      expect(await refusal(admin.requests.query({ status: 'bad' }))).toEqual({
        status: 400,
        code: 'bad_status',
      });
      // The key too: by a part of it, by the request id of its first call, and by the payload field.
      const fragment = key.slice(4, 16);
      const keys = await admin.keys.query({ q: fragment });
      expect(keys.matched).toBe('contains');
      expect(keys.items.map((k) => k.key)).toEqual([key]);
      expect((await admin.keys.query({ q: requestId(failed)! })).items.map((k) => k.key)).toEqual([key]);
      expect((await admin.keys.query({ field, count: true })).total).toEqual({ value: 1, relation: 'exact' });
      // A natural id as the customer knows it finds its document (stored as schema and external_id).
      const external = uniqueKey('ap');
      await h.post('/v1/documents', {
        schema: 'invoice_v2',
        file_url: 'https://example.com/a.pdf',
        external_id: external,
      });
      await h.api.engine.flushEvents();
      expect((await admin.keys.query({ q: external })).items.map((k) => k.naturalId)).toEqual([
        `invoice_v2 ${external}`,
      ]);
      expect((await admin.requests.query({ q: external })).items.map((r) => r.procedure)).toEqual([
        'numora.documents.create',
      ]);
      // The story of the key shows what each client got.
      const story = await admin.story.query({ id: byId.items[0]!.keyId! });
      expect(story.requests.map((r) => [r.decision, r.response?.body])).toEqual([
        ['replay', again.text],
        ['first_call', failed.text],
      ]);
    });

    it('D6: the same usage sent under two keys is a possible duplicate with both requests; a document sent twice is a natural one', async () => {
      const header = 'X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY';
      const usage = {
        order_id: uniqueKey('ord'),
        internal_usage_id: uniqueKey('u'),
        quantity: 5,
        occurred_at: '2026-11-27T10:00:00Z',
      };
      const one = await h.post('/v1/usage', usage, { [header]: uniqueKey('a') });
      const two = await h.post('/v1/usage', usage, { [header]: uniqueKey('b') });
      const three = await h.post('/v1/usage', usage);
      expect([one.status, two.status, three.status]).toEqual([201, 201, 201]);
      const external = uniqueKey('ap');
      const doc = { schema: 'invoice_v2', file_url: 'https://example.com/b.pdf', external_id: external };
      expect((await h.post('/v1/documents', doc)).status).toBe(201);
      expect((await h.post('/v1/documents', doc)).status).toBe(200);
      await h.api.engine.flushEvents();
      const payload = await admin.duplicates.query({ kind: 'payload', windowMs: 3_600_000 });
      const group = payload.items.find((g) => g.members.some((m) => m.requestId === requestId(one)));
      expect(group).toMatchObject({
        scope: 'demo-a',
        caller: 'Demo Shop A · key …ey-a',
        procedure: 'salesbricks.usage.report',
        requests: 3,
        keys: 3,
      });
      expect(group!.members.map((m) => m.requestId)).toEqual([
        requestId(three),
        requestId(two),
        requestId(one),
      ]);
      expect(group!.members.map((m) => m.decision)).toEqual(['unprotected', 'first_call', 'first_call']);
      expect(payload.total).toBeGreaterThanOrEqual(1);
      const natural = await admin.duplicates.query({ kind: 'natural', windowMs: 3_600_000 });
      const docs = natural.items.find((g) => g.key === `schema=invoice_v2&external_id=${external}`);
      expect(docs?.members.map((m) => [m.decision, m.status])).toEqual([
        ['replay', 200],
        ['first_call', 201],
      ]);
      const overview = await admin.overview.query({ windowMs: 3_600_000, bucketMs: 300_000 });
      expect(overview.possibleDuplicates.payload).toBe(payload.total);
      expect(overview.possibleDuplicates.natural).toBe(natural.total);
    });

    it('D4: the overview counts requests and their decisions once each, though a profile sent with a key also claims its external_id', async () => {
      const before = await admin.overview.query({ windowMs: 3_600_000, bucketMs: 300_000 });
      const profile = { external_id: uniqueKey('crm'), first_name: 'Ann' };
      const key = uniqueKey('p');
      await h.post('/v1/profiles', profile, { 'Idempotency-Key': key });
      await h.post('/v1/profiles', profile, { 'Idempotency-Key': key });
      await h.post('/v1/profiles', { ...profile, first_name: 'Anne' }, { 'Idempotency-Key': key });
      await h.post('/notes', {
        primarySubject: { type: 'customer', id: 'c' },
        noteType: 'call',
        title: 't',
        body: 'b',
      });
      await h.api.engine.flushEvents();
      const after = await admin.overview.query({ windowMs: 3_600_000, bucketMs: 300_000 });
      const delta = (d: 'first_call' | 'replay' | 'conflict' | 'refused' | 'requests') =>
        after.requests.totals[d] - before.requests.totals[d];
      expect([
        delta('requests'),
        delta('first_call'),
        delta('replay'),
        delta('conflict'),
        delta('refused'),
      ]).toEqual([4, 1, 1, 1, 1]);
      const summed = after.requests.buckets.reduce(
        (n, b) =>
          n + b.first_call + b.replay + b.conflict + b.in_flight + b.refused + b.duplicate + b.unprotected,
        0,
      );
      expect(summed).toBe(after.requests.totals.requests);
      // The list of conflicts over the same window holds as many as the overview counts.
      const conflicts = await admin.requests.query({
        decision: 'conflict',
        from: after.requests.from,
        count: true,
      });
      expect(conflicts.total).toEqual({ value: after.requests.totals.conflict, relation: 'exact' });
      const refused = await admin.requests.query({
        decision: 'refused',
        route: 'POST /notes',
        from: after.requests.from,
      });
      expect(refused.items[0]).toMatchObject({
        reason: 'KEY_MISSING',
        status: 400,
        caller: 'Demo Shop A · key …ey-a',
      });
    });

    it('D5: support reads but cannot act; an admin releases a held key, the holder is refused, the retry runs', async () => {
      const support = adminClient(h.api.url, { actor: 'sam', role: 'support' });
      const key = uniqueKey('stuck');
      const trigger = { name: 'welcome', to: { subscriberId: 'sub-2' }, payload: {} };
      const held = h.post('/v1/events/trigger', trigger, {
        'Idempotency-Key': key,
        'x-demo-delay-ms': '3000',
      });
      await expect
        .poll(async () => (await support.keys.query({ key, state: 'in_flight' })).items.length, {
          timeout: 10_000,
        })
        .toBe(1);
      const ref = { scope: 'demo-a', procedure: 'novu.events.trigger', key };
      expect(await refusal(support.release.mutate(ref))).toEqual({
        status: 403,
        code: 'admin_role_required',
      });
      expect(await refusal(support.purge.start.mutate())).toEqual({
        status: 403,
        code: 'admin_role_required',
      });
      expect((await admin.keys.query({ key })).items[0]?.state).toBe('in_flight');

      const { released } = await admin.release.mutate(ref);
      expect(released).toMatchObject({ key, state: 'in_flight', fence: 1 });
      expect(released.leaseOwner).toMatch(/^api@.+:\d+:[1-9]\d*$/); // host, pid and the real port
      // The holder finishes after the release: its outcome is refused, not stored over a retry's.
      const holder = await held;
      expect(holder.status).toBe(409);
      expect(holder.json.error.code).toBe('LEASE_LOST');
      const retry = await h.post('/v1/events/trigger', trigger, { 'Idempotency-Key': key });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotency-replay')).toBeNull();
      expect(await refusal(admin.release.mutate(ref))).toEqual({ status: 409, code: 'key_not_in_flight' });

      await h.api.engine.flushEvents();
      const story = await admin.story.query(ref);
      expect(story.events.map((e) => e.type)).toContain('release');
      expect(story.events.find((e) => e.type === 'release')?.detail).toMatchObject({ actor: 'ann' });
      const audit = await support.audit.query();
      expect(audit.items[0]).toMatchObject({
        actor: 'ann',
        role: 'admin',
        action: 'key.release',
        target: `demo-a · novu.events.trigger · ${key}`,
        before: { state: 'in_flight', fence: 1, leaseOwner: released.leaseOwner },
        after: { state: 'released' },
      });
      expect(audit.items.some((e) => e.actor === 'sam')).toBe(false);
    });

    it('D5: a staff action sent twice under one key acts and is audited once; the second answer is a replay', async () => {
      const staff = createTRPCClient<AppRouter>({
        links: [
          idempotencyLink({ retry: { attempts: 3 } }),
          httpLink({
            url: `${h.api.url}/trpc`,
            transformer: superjson,
            headers: idempotencyHeaders({
              authorization: `Bearer ${DEMO_ADMIN_TOKEN}`,
              'x-idem-actor': 'ida',
              'x-idem-role': 'admin',
            }),
          }),
        ],
      }).idemAdmin;
      const key = uniqueKey('stuck');
      const held = h.post(
        '/v1/events/trigger',
        { name: 'welcome', to: { subscriberId: 's' } },
        {
          'Idempotency-Key': key,
          'x-demo-delay-ms': '2000',
        },
      );
      await expect
        .poll(async () => (await admin.keys.query({ key, state: 'in_flight' })).items.length)
        .toBe(1);
      const ref = { scope: 'demo-a', procedure: 'novu.events.trigger', key };
      const operation = uniqueKey('release');
      const first = await staff.release.mutate(ref, { context: { idempotencyKey: operation } });
      // The form is submitted again (a double click, a browser retry): the same operation, not a second release.
      const again = await staff.release.mutate(ref, { context: { idempotencyKey: operation } });
      expect(again).toEqual(first);
      expect(idempotencyOf(again)?.replayed).toBe(true);
      expect((await admin.audit.query()).items.filter((e) => e.actor === 'ida')).toHaveLength(1);
      await held;
    });

    it('D5: an admin purges expired keys with progress to poll, and the purge is audited', async () => {
      const engine = h.api.engine;
      const shortLived = definePolicy({ name: 'short-lived', ttlMs: 20, leaseMs: 20 });
      for (let i = 0; i < 7; i++) {
        const d = await engine.begin({
          scope: 'demo-b',
          procedure: 'test.expiring',
          kind: 'key',
          key: uniqueKey('old'),
          policy: shortLived,
          payload: { value: { i } },
        });
        if (d.kind !== 'execute') throw new Error(`expected execute, got ${d.kind}`);
        await d.execution.complete({ ok: true, status: 200, body: '{}' });
      }
      await untilStoreTime(engine.store, (await engine.store.now()) + 30);
      const expired = await admin.keys.query({ procedure: 'test.expiring', state: 'expired' });
      expect(expired.items).toHaveLength(7);

      const started = await admin.purge.start.mutate();
      expect(started).toMatchObject({ actor: 'ann', expiredBefore: 7 });
      await expect
        .poll(async () => (await admin.purge.status.query({ id: started.id }))?.state, { timeout: 20_000 })
        .toBe('done');
      const done = await admin.purge.status.query({ id: started.id });
      expect(done).toMatchObject({ deleted: 7, batches: 1, error: null });
      expect((await admin.keys.query({ procedure: 'test.expiring' })).items).toEqual([]);
      expect((await admin.overview.query()).expiredNow).toBe(0);
      const [entry] = (await admin.audit.query({ limit: 1 })).items;
      expect(entry).toMatchObject({
        actor: 'ann',
        action: 'keys.purge',
        target: null,
        before: { expiredKeys: 7 },
        after: { state: 'done', deleted: 7, expiredKeys: 0 },
      });
    });
  });
}
