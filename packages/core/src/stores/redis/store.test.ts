// The Redis store against the real Redis (REDIS_URL, default 127.0.0.1:6379): the conformance suite, plus what
// only Redis does (scripts forgotten by the server, TTL-driven deletion, wake-ups across connections).
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { adminConformance, storeConformance, untilStoreTime } from '../../conformance/index.ts';
import { fingerprint } from '../../fingerprint.ts';
import { newId } from '../../ids.ts';
import type { BeginInput } from '../../key-machine.ts';
import { createRedisStore } from './store.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// One prefix per run, so parallel runs and other suites never see each other's keys; deleted afterwards.
const runPrefix = `{idem-test-${newId()}}`;
const connections: Redis[] = [];

function connect(options: { enableAutoPipelining?: boolean } = {}): Redis {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, ...options });
  connections.push(redis);
  return redis;
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  // SCAN MATCH treats braces literally but brackets as a class: escape them.
  const pattern = `${prefix.replace(/[[\]*?\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

afterAll(async () => {
  const redis = connect();
  await deleteKeys(redis, runPrefix.slice(0, -1));
  await Promise.all(connections.map((c) => c.quit()));
});

let suite = 0;
// Each test gets a store under a prefix of its own.
const openStore = async () => {
  const store = createRedisStore({ client: connect(), prefix: `${runPrefix.slice(0, -1)}:${++suite}}` });
  return { store, close: () => store.close() };
};
storeConformance('redis', openStore);
adminConformance('redis', openStore);
// What the README recommends under load: commands of one tick share a write (its subscriber duplicates the option).
storeConformance('redis, auto-pipelining', async () => {
  const client = connect({ enableAutoPipelining: true });
  const store = createRedisStore({ client, prefix: `${runPrefix.slice(0, -1)}:${++suite}}` });
  return { store, close: () => store.close() };
});

function input(key: string, leaseMs = 60_000, ttlMs: number | null = 60_000): BeginInput {
  return {
    scope: 's',
    procedure: 'p',
    kind: 'key',
    key,
    fingerprint: fingerprint({ value: { a: 1 } }),
    policy: { name: 't', ttlMs, leaseMs, onMismatch: 'conflict' },
    requestId: null,
    leaseOwner: 'one',
    requestPayload: null,
    naturalId: null,
  };
}

describe('redis store: what only Redis does', () => {
  const prefix = () => `${runPrefix.slice(0, -1)}:extra-${newId()}}`;

  it('K1: scripts the server forgot (SCRIPT FLUSH, a restart) are sent again with EVAL', async () => {
    const client = connect();
    const store = createRedisStore({ client, prefix: prefix() });
    const first = await store.begin(input('k'));
    expect(first.answer.kind).toBe('execute');
    await client.script('FLUSH');
    expect((await store.begin(input('k'))).answer.kind).toBe('in_flight');
    await store.close();
  });

  it('K7: Redis itself deletes a key a grace period after it became purgeable (PEXPIREAT on the Redis clock)', async () => {
    const client = connect();
    const p = prefix();
    const store = createRedisStore({ client, prefix: p, expiredGraceMs: 50 });
    const begun = await store.begin(input('ttl', 30, 40));
    if (begun.answer.kind !== 'execute') throw new Error('expected execute');
    const record = begun.answer.record;
    await store.complete(
      { scope: 's', procedure: 'p', kind: 'key' as const, key: 'ttl', id: record.id, fence: record.fence },
      { ok: true, status: 200, body: '{}' },
    );
    const redisKey = `${p}:k:${JSON.stringify(['s', 'p', 'key', 'ttl'])}`;
    const expireAt = await client.pexpiretime(redisKey);
    expect(expireAt).toBe(record.expiresAt! + 50);
    await untilStoreTime(store, expireAt + 5);
    // Redis expires lazily on access and actively in the background: either way the key is gone for readers.
    expect(await store.get({ scope: 's', procedure: 'p', kind: 'key' as const, key: 'ttl' })).toBeUndefined();
    expect(await client.exists(redisKey)).toBe(0);
    await store.close();
  });

  it('D1/D4: keys Redis deleted by TTL leave the search and the counts, and their index entries go', async () => {
    const client = connect();
    const p = prefix();
    const store = createRedisStore({ client, prefix: p, expiredGraceMs: 50 });
    const begun = await store.begin(input('short', 30, 40));
    if (begun.answer.kind !== 'execute') throw new Error('expected execute');
    expect((await store.begin(input('held', 60_000, 60_000))).answer.kind).toBe('execute');
    expect((await store.admin.searchKeys({})).items.map((r) => r.key).sort()).toEqual(['held', 'short']);
    expect((await store.admin.stats()).inFlightNow).toBe(2);
    await untilStoreTime(store, begun.answer.record.leaseExpiresAt! + 200);
    const after = await store.admin.searchKeys({});
    expect(after.items.map((r) => r.key)).toEqual(['held']);
    expect(await client.zcard(`${p}:ids`)).toBe(1);
    expect((await store.admin.stats()).inFlightNow).toBe(1);
    expect(await client.zcard(`${p}:flying`)).toBe(1);
    await store.close();
  });

  it('K4: a waiter on one connection wakes through pub/sub when another store instance completes', async () => {
    const p = prefix();
    const holder = createRedisStore({ client: connect(), prefix: p });
    const waiter = createRedisStore({ client: connect(), prefix: p });
    const claimed = await holder.begin(input('wake'));
    if (claimed.answer.kind !== 'execute') throw new Error('expected execute');
    const ref = { scope: 's', procedure: 'p', kind: 'key' as const, key: 'wake' };
    const seen = (await waiter.get(ref))!;
    const started = Date.now();
    const waiting = waiter.waitForChange(ref, seen, 30_000);
    const record = claimed.answer.record;
    await holder.complete(
      { ...ref, id: record.id, fence: record.fence },
      { ok: true, status: 200, body: '{}' },
      { notify: true },
    );
    await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    await holder.close();
    await waiter.close();
  });

  it('D2: events beyond the cap are dropped oldest first, bodies included', async () => {
    const client = connect();
    const p = prefix();
    const store = createRedisStore({ client, prefix: p, maxEvents: 5 });
    const at = await store.now();
    const events = Array.from({ length: 8 }, (_, i) => ({
      id: newId(),
      keyId: null,
      scope: 's',
      procedure: 'p',
      kind: 'key' as const,
      key: `k${i % 2}`,
      type: 'replay' as const,
      at: at + i,
      requestId: null,
      fingerprint: null,
      payload: null,
      detail: null,
    }));
    await store.appendEvents(events);
    const listed = await store.listEvents({ limit: 100 });
    expect(listed.map((e) => e.id)).toEqual(
      events
        .slice(3)
        .map((e) => e.id)
        .reverse(),
    );
    expect(await client.hlen(`${p}:ev:body`)).toBe(5);
    // The per-key index still names capped events; listing skips them.
    expect((await store.listEvents({ key: 'k0' })).map((e) => e.id)).toEqual([events[6]!.id, events[4]!.id]);
    await store.close();
  });
});
