// Model-based test of every store against the pure reducer (key-machine.ts). fast-check generates random
// sequences of begin (also two or three at once on one key), complete, abandon, renew, release, void, purge and
// passing time, over two keys, two payloads and several policies; each store runs them and every answer must be
// one the reducer gives for the same events at the store's own clock. A store that decides even once as the
// model would not fails, shrunk to the shortest sequence that shows it; the last test proves this with a store
// broken on purpose.
import { createTestPostgres, createTestSqlite } from '@idem/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { untilStoreTime } from '../conformance/index.ts';
import { fingerprint } from '../fingerprint.ts';
import { newId } from '../ids.ts';
import { type BeginAnswer, type BeginInput, reduceKey } from '../key-machine.ts';
import type { MismatchAction } from '../policy.ts';
import { isPurgeable, type KeyRecord, type Outcome } from '../record.ts';
import { migrate as migratePg, pgStore } from '../pg.ts';
import { migrate as migrateSqlite, sqliteStore } from '../sqlite.ts';
import type { FenceRef, FenceResult, IdempotencyStore, KeyRef } from '../store.ts';
import { createMemoryStore } from './memory/store.ts';
import { createRedisStore } from './redis/store.ts';

// ── what a run is made of ────────────────────────────────────────────────────────────────────────────────────

const KEYS = ['k0', 'k1'] as const;
const PAYLOADS = [{ amount: 100 }, { amount: 250 }] as const;

interface PolicyChoice {
  readonly ttlMs: number | null;
  readonly leaseMs: number;
  readonly onMismatch: MismatchAction;
}

type Command =
  | { readonly type: 'begin'; readonly key: number; readonly payload: number; readonly policy: PolicyChoice }
  | {
      readonly type: 'concurrent';
      readonly key: number;
      readonly begins: readonly { readonly payload: number; readonly policy: PolicyChoice }[];
    }
  | { readonly type: 'complete'; readonly holder: number; readonly ok: boolean }
  | { readonly type: 'abandon'; readonly holder: number }
  | { readonly type: 'renew'; readonly holder: number; readonly leaseMs: number }
  | { readonly type: 'release'; readonly key: number }
  | { readonly type: 'void'; readonly key: number }
  | { readonly type: 'purge' }
  | { readonly type: 'pass'; readonly ms: number };

// Leases and TTLs are short so that passing time (a real wait on a database's clock) crosses them in a few
// steps. The few milliseconds a step takes can still carry a key across a boundary between a store's read and its
// write (25 + 110 ms is near a 150 ms TTL): every answer is judged at the store's own clock, so it must hold then
// too. That is how a takeover that landed after its key expired was found.
const policy = fc.record({
  ttlMs: fc.constantFrom<number | null>(null, 150),
  leaseMs: fc.constantFrom(60, 400),
  onMismatch: fc.constantFrom<MismatchAction>('conflict', 'replay', 'execute'),
});
const keyIndex = fc.nat({ max: KEYS.length - 1 });
const payloadIndex = fc.nat({ max: PAYLOADS.length - 1 });
const holder = fc.nat({ max: 7 });

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('begin' as const),
      key: keyIndex,
      payload: payloadIndex,
      policy,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('concurrent' as const),
      key: keyIndex,
      begins: fc.array(fc.record({ payload: payloadIndex, policy }), { minLength: 2, maxLength: 3 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('complete' as const), holder, ok: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('abandon' as const), holder }) },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('renew' as const), holder, leaseMs: fc.constantFrom(60, 400) }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('release' as const), key: keyIndex }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('void' as const), key: keyIndex }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('purge' as const) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('pass' as const), ms: fc.constantFrom(25, 110) }) },
);

// ── the run ───────────────────────────────────────────────────────────────────────────────────────────────────

interface Harness {
  readonly store: IdempotencyStore;
  passTime(ms: number): Promise<void>;
}

/** Where a run is: the model's records, and every execution handed out (current or stale). */
interface RunState {
  readonly scope: string;
  readonly model: Map<string, KeyRecord | undefined>;
  readonly holders: FenceRef[];
}

const ref = (state: RunState, key: number): KeyRef => ({
  scope: state.scope,
  procedure: 'orders.create',
  kind: 'key',
  key: KEYS[key]!,
});

function beginInput(state: RunState, key: number, payload: number, choice: PolicyChoice): BeginInput {
  return {
    ...ref(state, key),
    fingerprint: fingerprint({ value: PAYLOADS[payload] }),
    policy: { name: 'model', ...choice },
    requestId: newId(),
    leaseOwner: 'model',
    requestPayload: JSON.stringify(PAYLOADS[payload]),
    naturalId: null,
  };
}

/** What must agree between a store's answer and the model's: decisions, fences, states and outcomes. */
function beginShape(answer: BeginAnswer) {
  const r = answer.record;
  return {
    kind: answer.kind,
    reason: answer.kind === 'execute' ? answer.reason : undefined,
    fence: r.fence,
    status: r.status,
    fingerprint: r.fingerprint,
    outcome: answer.kind === 'replay' ? answer.outcome : undefined,
    mismatch: answer.kind === 'replay' ? answer.mismatch : undefined,
  };
}

/**
 * The model's answer to a begin the store decided at `now`. A record past retention may already be gone from the
 * store (Redis deletes expired keys itself; any store may have purged it): then the store's `new` is the model's
 * answer after that purge.
 */
function modelBegin(current: KeyRecord | undefined, input: BeginInput, now: number, store: BeginAnswer) {
  const id = store.record.id;
  const direct = reduceKey(current, { type: 'begin', now, id, input });
  if (
    current !== undefined &&
    isPurgeable(current, now) &&
    store.kind === 'execute' &&
    store.reason === 'new'
  ) {
    return reduceKey(undefined, { type: 'begin', now, id, input });
  }
  return direct;
}

function fencedShape(result: FenceResult) {
  return result.ok ? { ok: true as const } : { ok: false as const, reason: result.reason };
}

async function step(h: Harness, state: RunState, c: Command): Promise<void> {
  const { store } = h;
  switch (c.type) {
    case 'begin': {
      const input = beginInput(state, c.key, c.payload, c.policy);
      const id = KEYS[c.key]!;
      const result = await store.begin(input);
      const expected = modelBegin(state.model.get(id), input, result.now, result.answer);
      expect(beginShape(result.answer), `begin ${id}`).toEqual(beginShape(expected.answer));
      state.model.set(id, expected.state);
      if (result.answer.kind === 'execute') state.holders.push(fenceOf(result.answer.record));
      return;
    }
    case 'concurrent': {
      const id = KEYS[c.key]!;
      const inputs = c.begins.map((b) => beginInput(state, c.key, b.payload, b.policy));
      const results = await Promise.all(inputs.map((input) => store.begin(input)));
      // Atomic claims mean the answers are those of the begins applied one after another, in some order.
      const before = state.model.get(id);
      let matched: KeyRecord | undefined | null = null;
      for (const order of permutations(results.map((_, i) => i))) {
        let current = before;
        let agrees = true;
        for (const i of order) {
          const expected = modelBegin(current, inputs[i]!, results[i]!.now, results[i]!.answer);
          if (!sameShape(beginShape(results[i]!.answer), beginShape(expected.answer))) {
            agrees = false;
            break;
          }
          current = expected.state;
        }
        if (agrees) {
          matched = current;
          break;
        }
      }
      expect(
        matched !== null,
        `no order of ${results.length} concurrent begins on ${id} gives ${JSON.stringify(results.map((r) => beginShape(r.answer)))}`,
      ).toBe(true);
      state.model.set(id, matched ?? undefined);
      for (const r of results) if (r.answer.kind === 'execute') state.holders.push(fenceOf(r.answer.record));
      return;
    }
    case 'complete':
    case 'abandon':
    case 'renew': {
      const held = state.holders[c.holder % Math.max(state.holders.length, 1)];
      if (held === undefined) return;
      const outcome: Outcome =
        c.type === 'complete' && !c.ok
          ? { ok: false, status: 500, body: '{"error":"boom"}' }
          : { ok: true, status: 201, body: `{"order":"${held.id}:${held.fence}"}` };
      const result =
        c.type === 'complete'
          ? await store.complete(held, outcome)
          : c.type === 'abandon'
            ? await store.abandon(held)
            : await store.renew(held, c.leaseMs);
      const current = state.model.get(held.key);
      // A record past retention may be gone already (see modelBegin): then the holder's token names nothing. Only
      // a token naming the current record says so: a stale generation's is not_found with the record still there.
      const gone =
        current !== undefined &&
        current.id === held.id &&
        isPurgeable(current, result.now) &&
        !result.ok &&
        result.reason === 'not_found';
      const event =
        c.type === 'complete'
          ? ({ type: 'complete', now: result.now, id: held.id, fence: held.fence, outcome } as const)
          : c.type === 'abandon'
            ? ({ type: 'abandon', now: result.now, id: held.id, fence: held.fence } as const)
            : ({
                type: 'renew',
                now: result.now,
                id: held.id,
                fence: held.fence,
                leaseMs: c.leaseMs,
              } as const);
      const expected = reduceKey(gone ? undefined : current, event);
      const answer = expected.answer as { kind: 'ok' } | { kind: 'stale'; reason: string };
      expect(fencedShape(result), `${c.type} ${held.key} fence ${held.fence}`).toEqual(
        answer.kind === 'ok' ? { ok: true } : { ok: false, reason: answer.reason },
      );
      state.model.set(held.key, expected.state);
      return;
    }
    case 'release':
    case 'void': {
      const id = KEYS[c.key]!;
      const before = await store.now();
      const was = await (c.type === 'release'
        ? store.release(ref(state, c.key))
        : store.void(ref(state, c.key)));
      const current = state.model.get(id);
      const expected = reduceKey(current, { type: c.type, now: before });
      const mayBeGone = current !== undefined && isPurgeable(current, before);
      if (expected.answer.kind === 'ok' && was === undefined && mayBeGone) {
        state.model.set(id, undefined);
        return;
      }
      expect(was?.fence, `${c.type} ${id}`).toBe(
        expected.answer.kind === 'ok' ? expected.answer.record.fence : undefined,
      );
      state.model.set(id, expected.state);
      return;
    }
    case 'purge': {
      const before = await store.now();
      await store.purgeExpired(1000);
      for (const id of KEYS) {
        const current = state.model.get(id);
        if (current === undefined) continue;
        const stored = await store.get({ ...ref(state, KEYS.indexOf(id)) });
        // Read after the get: Redis deletes a key itself once its retention ends, which may be during the read.
        const after = await store.now();
        // Purgeable before the purge began: must be gone. Not purgeable even once it was read: must stay.
        if (isPurgeable(current, before)) expect(stored, `purge ${id}`).toBeUndefined();
        else if (!isPurgeable(current, after)) expect(stored?.fence, `purge ${id}`).toBe(current.fence);
        state.model.set(id, stored === undefined ? undefined : current);
      }
      return;
    }
    case 'pass':
      await h.passTime(c.ms);
      return;
  }
}

function fenceOf(r: KeyRecord): FenceRef {
  return { scope: r.scope, procedure: r.procedure, kind: r.kind, key: r.key, id: r.id, fence: r.fence };
}

function sameShape(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Runs random command sequences against a store; each run on keys of its own scope, voided afterwards. */
function modelProperty(h: Harness, maxCommands: number) {
  return fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: maxCommands }), async (commands) => {
    const state: RunState = { scope: `model-${newId()}`, model: new Map(), holders: [] };
    try {
      for (const c of commands) await step(h, state, c);
      // The last word: what the store holds is what the model holds. The clock is read after each get: a key whose
      // retention ends while it is read may be gone (Redis deletes it itself), and no earlier reading says so.
      for (const [index, id] of KEYS.entries()) {
        const current = state.model.get(id);
        const stored = await h.store.get(ref(state, index));
        const now = await h.store.now();
        if (current !== undefined && isPurgeable(current, now) && stored === undefined) continue;
        expect(
          stored && { status: stored.status, fence: stored.fence, outcome: stored.outcome },
          `final ${id}`,
        ).toEqual(current && { status: current.status, fence: current.fence, outcome: current.outcome });
      }
    } finally {
      for (const index of KEYS.keys()) await h.store.void(ref(state, index));
    }
  });
}

// ── the stores ────────────────────────────────────────────────────────────────────────────────────────────────

function memoryHarness(): Harness {
  let now = Date.now();
  return {
    store: createMemoryStore({ clock: () => now }),
    passTime: async (ms) => {
      now += ms;
    },
  };
}

const onClock = (store: IdempotencyStore): Harness => ({
  store,
  passTime: async (ms) => untilStoreTime(store, (await store.now()) + ms),
});

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

// Database runs wait for real time to pass: fewer and shorter runs than in memory, still dozens of transitions each.
const RUNS = { memory: { runs: 300, commands: 30 }, database: { runs: 50, commands: 30 } };

describe('every store decides as the reducer does (fast-check model; K1–K11, D5, D8)', () => {
  it('memory', async () => {
    await fc.assert(modelProperty(memoryHarness(), RUNS.memory.commands), { numRuns: RUNS.memory.runs });
  });

  it('SQLite (better-sqlite3)', async () => {
    const database = await createTestSqlite({ migrate: migrateSqlite });
    const store = sqliteStore({ database: database.database });
    cleanups.push(
      () => database.drop(),
      () => store.close(),
    );
    await fc.assert(modelProperty(onClock(store), RUNS.database.commands), { numRuns: RUNS.database.runs });
  }, 180_000);

  it('PostgreSQL (pg Pool), concurrent begins on separate connections', async () => {
    const database = await createTestPostgres({ migrate: migratePg, max: 4 });
    const store = pgStore({ pool: database.pool });
    cleanups.push(
      () => database.drop(),
      () => store.close(),
    );
    await fc.assert(modelProperty(onClock(store), RUNS.database.commands), { numRuns: RUNS.database.runs });
  }, 180_000);

  it('Redis', async () => {
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const subscriber = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const store = createRedisStore({ client, subscriber, prefix: `{idem-model-${newId()}}` });
    cleanups.push(async () => {
      await store.close();
      client.disconnect();
      subscriber.disconnect();
    });
    await fc.assert(modelProperty(onClock(store), RUNS.database.commands), { numRuns: RUNS.database.runs });
  }, 180_000);

  it('a store broken on purpose (completes with a stale fencing token) is caught', async () => {
    const h = memoryHarness();
    const broken: IdempotencyStore = Object.create(h.store, {
      complete: {
        value: async (held: FenceRef, outcome: Outcome) => {
          const current = await h.store.get(held);
          // The bug: trusts any token that names the key, as a store without fencing would (K11).
          return h.store.complete(
            current ? { ...held, id: current.id, fence: current.fence } : held,
            outcome,
          );
        },
      },
    });
    const result = await fc.check(modelProperty({ store: broken, passTime: h.passTime }, 30), {
      numRuns: 300,
    });
    expect(result.failed).toBe(true);
    // Shrunk, the counterexample is a takeover and the old holder's completion.
    expect(JSON.stringify(result.counterexample)).toContain('complete');
  });
});
