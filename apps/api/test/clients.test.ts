// Typed clients that retry safely (SPEC C1–C6), against a started API on SQLite and on PostgreSQL: per-operation
// keys in batches, a network that drops responses, a client process killed mid-request, and random
// interleavings of retries, drops and restarts.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  idempotencyHeaders,
  idempotencyLink,
  idempotencyOf,
  type IdempotencyLinkOptions,
  resumePending,
  retryReason,
} from '@idem/trpc/client';
import { fileJournal } from '@idem/trpc/client/node';
import { createTRPCClient, httpBatchLink, httpLink, retryLink, TRPCClientError } from '@trpc/client';
import fc from 'fast-check';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/routers/index.ts';
import { type Harness, startHarness, uniqueKey } from './harness.ts';
import { type Fault, seeded, startFaultyProxy } from './proxy.ts';

const codec = { stringify: (v: unknown) => superjson.stringify(v), parse: (t: string) => superjson.parse(t) };

function typedClient(
  url: string,
  link: IdempotencyLinkOptions = {},
  batch = false,
  headers: Record<string, string> = {},
) {
  const terminal = (batch ? httpBatchLink : httpLink)({
    url: `${url}/trpc`,
    transformer: superjson,
    headers: idempotencyHeaders({ 'x-api-key': 'demo-key-a', ...headers }),
  });
  return createTRPCClient<AppRouter>({
    links: [idempotencyLink({ retry: { attempts: 12, baseDelayMs: 5, maxDelayMs: 100 }, ...link }), terminal],
  });
}

for (const provider of ['sqlite', 'postgresql'] as const) {
  describe(`typed clients on ${provider}`, () => {
    let h: Harness;
    const runs = (subscriberId: string) => h.api.db.workflowRun.count({ where: { subscriberId } });
    beforeAll(async () => {
      h = await startHarness(provider);
    });
    afterAll(async () => {
      await h.close();
    });

    it('C1/C6: in one batch each operation has its own key, and replays are flagged per operation', async () => {
      const client = typedClient(h.api.url, {}, true);
      const markers = [uniqueKey('s'), uniqueKey('s'), uniqueKey('s')];
      const first = await Promise.all(
        markers.map((m) => client.novu.events.trigger.mutate({ name: 'welcome', to: { subscriberId: m } })),
      );
      const keys = first.map((r) => idempotencyOf(r)!.key);
      expect(new Set(keys).size).toBe(3);
      expect(first.map((r) => idempotencyOf(r)!.replayed)).toEqual([false, false, false]);
      const fresh = uniqueKey('s');
      const second = await Promise.all([
        client.novu.events.trigger.mutate(
          { name: 'welcome', to: { subscriberId: markers[0]! } },
          { context: { idempotencyKey: keys[0] } },
        ),
        client.novu.events.trigger.mutate({ name: 'welcome', to: { subscriberId: fresh } }),
        client.novu.events.trigger.mutate(
          { name: 'welcome', to: { subscriberId: markers[2]! } },
          { context: { idempotencyKey: keys[2] } },
        ),
      ]);
      expect(second.map((r) => idempotencyOf(r)!.replayed)).toEqual([true, false, true]);
      expect(second[0]).toEqual(first[0]);
      for (const m of [...markers, fresh]) expect(await runs(m)).toBe(1);
    });

    it('K3/C5: a conflict arrives as a typed error and is never retried; it says which key and why', async () => {
      const retries: unknown[] = [];
      const client = typedClient(h.api.url, { onRetry: (r) => retries.push(r) });
      const key = uniqueKey();
      await client.novu.events.trigger.mutate(
        { name: 'welcome', to: { subscriberId: 'a' } },
        { context: { idempotencyKey: key } },
      );
      const error = await client.novu.events.trigger
        .mutate({ name: 'welcome', to: { subscriberId: 'b' } }, { context: { idempotencyKey: key } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCClientError);
      const data = (error as TRPCClientError<AppRouter>).data as {
        httpStatus: number;
        idempotency: { code: string };
      };
      expect(data.httpStatus).toBe(422);
      expect(data.idempotency.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(retries).toEqual([]);
    });

    it('C5: a duplicate still in flight (409) is retried with the same key until it replays the first outcome', async () => {
      const retries: { reason: string }[] = [];
      const slow = typedClient(h.api.url, {}, false, { 'x-demo-delay-ms': '800' });
      const client = typedClient(h.api.url, { onRetry: (r) => retries.push(r) });
      const key = uniqueKey();
      const marker = uniqueKey('s');
      const first = slow.novu.events.trigger.mutate(
        { name: 'welcome', to: { subscriberId: marker } },
        { context: { idempotencyKey: key } },
      );
      await expect
        .poll(
          async () =>
            (
              await h.api.engine.store.get({
                scope: 'demo-a',
                procedure: 'novu.events.trigger',
                kind: 'key',
                key,
              })
            )?.status,
        )
        .toBe('in_flight');
      const second = await client.novu.events.trigger.mutate(
        { name: 'welcome', to: { subscriberId: marker } },
        { context: { idempotencyKey: key } },
      );
      expect(second).toEqual(await first);
      expect(idempotencyOf(second)).toMatchObject({ key, replayed: true });
      expect(retries.length).toBeGreaterThan(0);
      expect(retries.every((r) => r.reason === 'in_flight')).toBe(true);
      expect(await runs(marker)).toBe(1);
    });

    it('C2: the same logical input built in another key order sends the same bytes, so a byte-exact policy replays it', async () => {
      const client = typedClient(h.api.url);
      const key = uniqueKey();
      const external = uniqueKey('crm');
      const a = await client.noticia.profiles.upsert.mutate(
        { first_name: 'Camille', external_id: external },
        { context: { idempotencyKey: key } },
      );
      const b = await client.noticia.profiles.upsert.mutate(
        { external_id: external, first_name: 'Camille' },
        { context: { idempotencyKey: key } },
      );
      expect(idempotencyOf(b)?.replayed).toBe(true);
      expect(b).toEqual(a);
    });

    it('C1/C5: through a network that drops 30% of responses after processing and resets others, N operations make N side effects', async () => {
      const random = seeded(provider === 'sqlite' ? 7 : 11);
      const proxy = await startFaultyProxy(h.api.url, () => {
        const p = random();
        return p < 0.3 ? 'drop-after' : p < 0.4 ? 'reset-before' : 'pass';
      });
      try {
        const client = typedClient(proxy.url);
        const markers = Array.from({ length: 40 }, () => uniqueKey('net'));
        const results = await Promise.all(
          markers.map((m) => client.novu.events.trigger.mutate({ name: 'welcome', to: { subscriberId: m } })),
        );
        let dropped = 0;
        for (const [i, result] of results.entries()) {
          const info = idempotencyOf(result)!;
          const faults = proxy.log.get(info.key) ?? [];
          dropped += faults.includes('drop-after') ? 1 : 0;
          // A replay exactly when an earlier attempt was processed and its answer lost.
          expect(info.replayed).toBe(faults.includes('drop-after'));
          expect(await runs(markers[i]!)).toBe(1);
        }
        expect(dropped).toBeGreaterThan(0);
      } finally {
        await proxy.close();
      }
    });

    it('C5: composes with tRPC’s own retryLink: the key minted above it is reused on every retry below it', async () => {
      const random = seeded(provider === 'sqlite' ? 3 : 5);
      const proxy = await startFaultyProxy(h.api.url, () => (random() < 0.4 ? 'drop-after' : 'pass'));
      try {
        const client = createTRPCClient<AppRouter>({
          links: [
            idempotencyLink({ retry: false }),
            retryLink({
              retry: ({ error, attempts }) => attempts < 12 && retryReason(error) !== null,
              retryDelayMs: () => 5,
            }),
            httpLink({
              url: `${proxy.url}/trpc`,
              transformer: superjson,
              headers: idempotencyHeaders({ 'x-api-key': 'demo-key-a' }),
            }),
          ],
        });
        const markers = Array.from({ length: 15 }, () => uniqueKey('rl'));
        await Promise.all(
          markers.map((m) => client.novu.events.trigger.mutate({ name: 'welcome', to: { subscriberId: m } })),
        );
        for (const m of markers) expect(await runs(m)).toBe(1);
        expect([...proxy.log.values()].some((faults) => faults.includes('drop-after'))).toBe(true);
      } finally {
        await proxy.close();
      }
    });

    it('C3: a client killed (SIGKILL) between send and response resumes with its original key: one side effect', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'idem-journal-'));
      const script = fileURLToPath(new URL('./fixtures/client-process.ts', import.meta.url));
      const marker = uniqueKey('kill');
      const child = spawn(
        process.execPath,
        ['--conditions=idem-source', '--import', 'tsx', script, 'send', `${h.api.url}/trpc`, dir, marker],
        { stdio: 'ignore' },
      );
      try {
        // Wait until the journal holds the operation and the server is running it, then kill the client.
        await expect
          .poll(() => readdirSync(dir).filter((f) => f.endsWith('.json')).length, { timeout: 20_000 })
          .toBe(1);
        await expect
          .poll(
            async () =>
              (await h.api.db.workflowRun.count({ where: { subscriberId: marker } })) + (await inFlight()),
            { timeout: 20_000 },
          )
          .toBeGreaterThan(0);
      } finally {
        child.kill('SIGKILL');
      }
      const { stdout } = await promisify(execFile)(process.execPath, [
        '--conditions=idem-source',
        '--import',
        'tsx',
        script,
        'resume',
        `${h.api.url}/trpc`,
        dir,
        marker,
      ]);
      const results = JSON.parse(stdout.trim()) as { ok: boolean; replayed: boolean }[];
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ ok: true, replayed: true });
      expect(await runs(marker)).toBe(1);
      expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);

      async function inFlight() {
        const events = await h.api.engine.store.listEvents({
          scope: 'demo-a',
          procedure: 'novu.events.trigger',
          types: ['begin'],
          limit: 50,
        });
        const [entry] = readdirSync(dir).filter((f) => f.endsWith('.json'));
        const key = entry ? Buffer.from(entry.replace(/\.json$/, ''), 'base64url').toString() : '';
        await h.api.engine.flushEvents();
        return events.some((e) => e.key === key) ? 1 : 0;
      }
    });

    it('C1–C5 (property): random interleavings of retries, drops and restarts never duplicate or lose an operation', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              faults: fc.array(fc.constantFrom<Fault>('pass', 'reset-before', 'drop-after'), {
                maxLength: 3,
              }),
              restart: fc.boolean(),
            }),
            { minLength: 1, maxLength: 5 },
          ),
          async (ops) => {
            const dir = mkdtempSync(join(tmpdir(), 'idem-prop-'));
            const journal = fileJournal(dir);
            const plans = new Map<string, Fault[]>();
            const proxy = await startFaultyProxy(
              h.api.url,
              (keys, attempt) => plans.get(keys[0] ?? '')?.[attempt] ?? 'pass',
            );
            try {
              const markers = ops.map(() => uniqueKey('prop'));
              const first = typedClient(proxy.url, {
                journal,
                codec,
                key: ({ input }) => {
                  const marker = (input as { to: { subscriberId: string } }).to.subscriberId;
                  const key = `prop:${marker}`;
                  plans.set(key, ops[markers.indexOf(marker)]!.faults);
                  return key;
                },
              });
              // A "restart" abandons the call mid-flight, as a killed process would; its journal entry stays.
              await Promise.all(
                ops.map(async (op, i) => {
                  const abort = new AbortController();
                  const call = first.novu.events.trigger.mutate(
                    { name: 'welcome', to: { subscriberId: markers[i]! } },
                    { signal: abort.signal },
                  );
                  if (op.restart) abort.abort();
                  await call.catch(() => {});
                }),
              );
              const restarted = typedClient(proxy.url, { journal, codec });
              const resumed = await resumePending(restarted, { journal, codec });
              expect(resumed.every((r) => r.ok)).toBe(true);
              for (const m of markers) expect(await runs(m)).toBe(1);
              expect(await journal.list()).toEqual([]);
            } finally {
              await proxy.close();
            }
          },
        ),
        { numRuns: provider === 'sqlite' ? 12 : 8 },
      );
    });
  });
}
