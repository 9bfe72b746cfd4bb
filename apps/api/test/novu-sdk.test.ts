// Seed 002's own client, unchanged: the published Novu SDK (@novu/node), which "implements idempotency for you as
// long as you have retries turned on", pointed at the demo API through a network that loses answers after the
// server did the work. The database is the judge: every trigger resolves, and each one ran exactly once.
import { Novu } from '@novu/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, KEY_A, startHarness, uniqueKey } from './harness.ts';
import { headerKey, seeded, startFaultyProxy } from './proxy.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// The SDK's retry waits are in seconds (1 s at least by default): a few milliseconds keep the suite fast.
const retryConfig = { retryMax: 8, initialDelay: 0.005, waitMin: 0.005, waitMax: 0.05 };

for (const provider of ['sqlite', 'postgresql'] as const) {
  describe(`the published Novu SDK (@novu/node) on ${provider}`, () => {
    let h: Harness;
    const runs = (subscriberId: string) => h.api.db.workflowRun.findMany({ where: { subscriberId } });
    beforeAll(async () => {
      h = await startHarness(provider);
    });
    afterAll(async () => {
      await h.close();
    });

    it('seed 002: the SDK authenticates with its own scheme, Authorization: ApiKey; an unknown key is 401', async () => {
      const novu = new Novu(KEY_A, { backendUrl: h.api.url });
      const subscriberId = uniqueKey('sdk');
      const answer = await novu.trigger('welcome', {
        to: { subscriberId },
        payload: { name: 'Hello World' },
      });
      expect(answer.status).toBe(201);
      expect(answer.data.data).toMatchObject({ acknowledged: true, status: 'processed' });
      expect(await runs(subscriberId)).toHaveLength(1);
      const stranger = new Novu('not-a-key', { backendUrl: h.api.url });
      const refused = await stranger
        .trigger('welcome', { to: { subscriberId: uniqueKey('sdk') }, payload: {} })
        .catch((error: { response?: { status: number } }) => error);
      expect((refused as { response?: { status: number } }).response?.status).toBe(401);
    });

    it('C1/C4/C5 (seed 002): with retries on, through a network that drops answers after the server ran them, every trigger resolves and runs exactly once', async () => {
      const random = seeded(provider === 'sqlite' ? 2002 : 2003);
      // Faults on the first attempts only, so every trigger ends within the SDK's retryMax.
      const proxy = await startFaultyProxy(
        h.api.url,
        (_keys, attempt) => {
          if (attempt >= 3) return 'pass';
          const p = random();
          return p < 0.35 ? 'drop-after' : p < 0.45 ? 'reset-before' : 'pass';
        },
        headerKey('Idempotency-Key'),
      );
      try {
        const novu = new Novu(KEY_A, { backendUrl: proxy.url, retryConfig });
        const subscribers = Array.from({ length: 30 }, () => uniqueKey('sdk-net'));
        const answers = await Promise.all(
          subscribers.map((subscriberId) =>
            novu.trigger('welcome', { to: { subscriberId }, payload: { name: 'Hello World' } }),
          ),
        );
        let dropped = 0;
        for (const [i, answer] of answers.entries()) {
          expect(answer.status).toBe(201);
          // C4: the SDK minted one key per trigger (a UUIDv4) and sent it on every attempt.
          const key = String(answer.config.headers['Idempotency-Key']);
          expect(key).toMatch(UUID_V4);
          const faults = proxy.log.get(key) ?? [];
          dropped += faults.includes('drop-after') ? 1 : 0;
          // A replay exactly when an earlier attempt ran and its answer was lost.
          expect(answer.headers['idempotency-replay'] === 'true').toBe(faults.includes('drop-after'));
          const rows = await runs(subscribers[i]!);
          expect(rows.map((r) => r.id)).toEqual([answer.data.data.transactionId]);
        }
        expect(new Set(answers.map((a) => a.config.headers['Idempotency-Key'])).size).toBe(
          subscribers.length,
        );
        expect(dropped).toBeGreaterThan(0);
      } finally {
        await proxy.close();
      }
    });
  });
}
