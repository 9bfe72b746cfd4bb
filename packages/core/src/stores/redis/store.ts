// The Redis store: keys, the purge index and events in Redis, through any client shaped like ioredis (it is
// taken structurally, so @idem/core never depends on a Redis client at runtime).
//
// Every operation is one Lua script (./redis-scripts.ts), sent with EVALSHA and re-sent with EVAL when the
// server does not know it yet (after a restart or SCRIPT FLUSH). Like the Prisma store, the pure reducer is the
// arbiter: the claim script either creates the key or hands the existing one back in the same round trip, the
// reducer decides, and a takeover is a compare-and-swap on the fencing token that re-checks its reason with
// Redis's clock. Duplicates waiting in other processes wake through Redis pub/sub on a dedicated connection.
import type { AdminCapable } from '../../admin.ts';
import type { EventQuery, IdemEvent } from '../../events.ts';
import { newId } from '../../ids.ts';
import { type BeginInput, reduceKey, type StaleReason } from '../../key-machine.ts';
import type { KeyKind, KeyRecord, KeyStatus, Outcome } from '../../record.ts';
import type { LoggedRequest } from '../../requests.ts';
import {
  type BeginResult,
  type FenceRef,
  type FenceResult,
  type IdempotencyStore,
  type KeyRef,
  refId,
  unchanged,
} from '../../store.ts';
import { ChangeWaiters } from '../../waiters.ts';
import { createRedisAdmin } from './admin.ts';
import { SCRIPTS, type ScriptName } from './scripts.ts';

type Arg = string | number;

/** The commands the store sends: scripts only (an ioredis client fits as it is). */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: Arg[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Arg[]): Promise<unknown>;
  get(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<number>;
}

/** A connection in subscriber mode (an ioredis client fits; see `client.duplicate()`). */
export interface RedisSubscriberClient {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  off(event: 'message', listener: (channel: string, message: string) => void): unknown;
  quit(): Promise<unknown>;
}

export interface RedisStoreOptions {
  client: RedisScriptClient & { duplicate?(): RedisSubscriberClient };
  /**
   * The connection that listens for changes made by other processes. Default: `client.duplicate()`, closed by
   * store.close(); one you pass stays yours to close. Without either, waiters wake only on local changes or
   * their timeout.
   */
  subscriber?: RedisSubscriberClient;
  /** Prefix of every Redis key; keep the braces (a cluster hash tag) so all keys share one slot. Default '{idem}'. */
  prefix?: string;
  /**
   * How long Redis keeps a key after it became purgeable, before its TTL deletes it (default 5 minutes): within
   * that time a retry still sees `key_expired` and the key's fencing token keeps counting up.
   */
  expiredGraceMs?: number;
  /** Events kept in all, oldest dropped first (default 100 000); as many logged requests. */
  maxEvents?: number;
  /** Events kept per key string (default 1000). */
  maxEventsPerKey?: number;
  /** A key's event index is dropped this long after its last event (default 7 days). */
  eventRetentionMs?: number;
}

const NULLABLE = ['requestId', 'requestPayload', 'naturalId'] as const;

async function sha1(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function toRecord(flat: readonly string[]): KeyRecord {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(flat[i]!, flat[i + 1]!);
  const text = (name: string): string | null => m.get(name) ?? null;
  const int = (name: string): number | null => {
    const v = m.get(name);
    return v === undefined ? null : Number(v);
  };
  const status = text('outcomeStatus');
  const body = text('outcomeBody');
  const headers = text('outcomeHeaders');
  const outcome: Outcome | null =
    status === null || body === null
      ? null
      : {
          ok: text('outcomeOk') === '1',
          status: Number(status),
          body,
          headers: headers === null ? undefined : (JSON.parse(headers) as Record<string, string>),
        };
  return {
    id: text('id')!,
    scope: text('scope')!,
    procedure: text('procedure')!,
    kind: (text('kind') ?? 'key') as KeyKind,
    key: text('key')!,
    policy: text('policy')!,
    status: text('status') as KeyStatus,
    fence: int('fence')!,
    fingerprint: text('fingerprint')!,
    fingerprintAlg: text('fingerprintAlg')!,
    requestId: text('requestId'),
    requestPayload: text('requestPayload'),
    naturalId: text('naturalId'),
    leaseOwner: text('leaseOwner'),
    leaseExpiresAt: int('leaseExpiresAt'),
    expiresAt: int('expiresAt'),
    createdAt: int('createdAt')!,
    updatedAt: int('updatedAt')!,
    completedAt: int('completedAt'),
    outcome,
  };
}

/** Field/value pairs a claim or takeover writes from the request (null fields are left out, i.e. null). */
function requestFields(input: BeginInput): string[] {
  const pairs: string[] = [
    'policy',
    input.policy.name,
    'fingerprint',
    input.fingerprint.hash,
    'fingerprintAlg',
    input.fingerprint.alg,
    'leaseOwner',
    input.leaseOwner,
  ];
  for (const name of NULLABLE) {
    const value = input[name];
    if (value !== null) pairs.push(name, value);
  }
  return pairs;
}

/**
 * Give it a client with `enableAutoPipelining: true`: the commands of many requests in one tick then share one
 * write to the socket (node-redis does that by default). In the bench, without it idem on Redis served 687 req/s
 * against 1,026 with it: each command's own write cost more than the rest of idem.
 *
 * @example
 * import Redis from 'ioredis';
 * const store = createRedisStore({ client: new Redis(process.env.REDIS_URL, { enableAutoPipelining: true }) });
 * const engine = createEngine({ store });
 */
export function createRedisStore(options: RedisStoreOptions): IdempotencyStore & AdminCapable {
  const { client } = options;
  const prefix = options.prefix ?? '{idem}';
  const grace = options.expiredGraceMs ?? 5 * 60_000;
  const maxEvents = options.maxEvents ?? 100_000;
  const maxPerKey = options.maxEventsPerKey ?? 1000;
  const retention = options.eventRetentionMs ?? 7 * 24 * 3_600_000;
  const channel = `${prefix}:changes`;
  const due = `${prefix}:due`;
  const ids = `${prefix}:ids`;
  const flying = `${prefix}:flying`;
  const eventsAll = `${prefix}:ev:all`;
  const eventBodies = `${prefix}:ev:body`;
  const recordKey = (ref: KeyRef): string => `${prefix}:k:${refId(ref)}`;
  const keyIndex = (key: string): string => `${prefix}:ev:key:${key}`;
  // The request log: ids in one sorted set, bodies in a hash, and an index per request id and per decision.
  const requestsAll = `${prefix}:rq:all`;
  const requestBodies = `${prefix}:rq:body`;
  const requestIdIndex = (requestId: string | null): string => `${prefix}:rq:rid:${requestId ?? ''}`;
  const decisionIndex = (decision: string): string => `${prefix}:rq:decision:${decision}`;
  const typeIndex = (type: string): string => `${prefix}:ev:type:${type}`;
  // EVALSHA needs each script's SHA-1, which Web Crypto computes only asynchronously: worked out on first use.
  let shas: Promise<Record<ScriptName, string>> | null = null;
  const shaOf = async (name: ScriptName): Promise<string> => {
    shas ??= Promise.all(Object.entries(SCRIPTS).map(async ([n, src]) => [n, await sha1(src)] as const)).then(
      (pairs) => Object.fromEntries(pairs) as Record<ScriptName, string>,
    );
    return (await shas)[name];
  };

  async function run<T>(name: ScriptName, keys: readonly string[], args: readonly Arg[]): Promise<T> {
    try {
      return (await client.evalsha(await shaOf(name), keys.length, ...keys, ...args)) as T;
    } catch (error) {
      // The server has not seen this script yet (or forgot it): EVAL sends it and caches it for next time.
      if (!String((error as Error | undefined)?.message ?? '').includes('NOSCRIPT')) throw error;
      return (await client.eval(SCRIPTS[name], keys.length, ...keys, ...args)) as T;
    }
  }

  // Cross-process wake-ups: one subscription for all keys; the message is the key's refId.
  const waiters = new ChangeWaiters();
  const ownSubscriber = options.subscriber === undefined;
  const subscriber = options.subscriber ?? client.duplicate?.();
  const onMessage = (from: string, message: string): void => {
    if (from === channel) waiters.notify(message);
  };
  subscriber?.on('message', onMessage);
  // Never rejects: without a subscription waiters still wake on local changes and on their timeout.
  const subscribed: Promise<void> = subscriber
    ? subscriber.subscribe(channel).then(
        () => {},
        (error: unknown) => console.error('[idem] redis store: could not subscribe to changes', error),
      )
    : Promise.resolve();

  const get = async (ref: KeyRef): Promise<KeyRecord | undefined> => {
    const flat = await run<string[]>('get', [recordKey(ref)], []);
    return flat.length === 0 ? undefined : toRecord(flat);
  };

  // Release (in flight only) or void (any state): the key goes, its identity stays for its story.
  async function remove(script: 'release' | 'void', ref: KeyRef): Promise<KeyRecord | undefined> {
    const [ok, , flat] = await run<[number, number, string[] | undefined]>(
      script,
      [recordKey(ref), due, ids, flying],
      [channel, refId(ref), prefix, retention],
    );
    waiters.notify(refId(ref));
    return ok === 1 ? toRecord(flat!) : undefined;
  }

  const refused = (now: number, reason: string): FenceResult => ({
    ok: false,
    reason: reason as StaleReason,
    now,
  });

  async function begin(input: BeginInput): Promise<BeginResult> {
    const keys = [recordKey(input), due, ids, flying];
    const ttl = input.policy.ttlMs === null ? '' : input.policy.ttlMs;
    // Bounded: each pass either decides or lost a race to a change that itself completed.
    for (let attempt = 0; attempt < 50; attempt++) {
      const id = newId();
      const [claimed, now, flat] = await run<[number, number, string[] | undefined]>('claim', keys, [
        input.policy.leaseMs,
        ttl,
        grace,
        id,
        'scope',
        input.scope,
        'procedure',
        input.procedure,
        'kind',
        input.kind,
        'key',
        input.key,
        ...requestFields(input),
      ]);
      if (claimed === 1) {
        // The script wrote exactly what the reducer makes of a first begin at Redis's `now`.
        const { answer } = reduceKey(undefined, { type: 'begin', now, id, input });
        return { answer, now };
      }
      const record = toRecord(flat!);
      const { answer } = reduceKey(record, { type: 'begin', now, id: record.id, input });
      if (answer.kind !== 'execute') return { answer, now };
      const [took, at, taken] = await run<[number, number, string[] | undefined]>('takeover', keys, [
        record.id,
        record.fence,
        record.status,
        answer.reason,
        input.policy.leaseMs,
        ttl,
        grace,
        ...requestFields(input),
      ]);
      if (took === 1) {
        return { answer: { kind: 'execute', reason: answer.reason, record: toRecord(taken!) }, now: at };
      }
    }
    throw new Error(`could not settle key ${input.key} after 50 attempts`);
  }

  const store: IdempotencyStore = {
    kind: 'redis',
    begin,
    async complete(ref: FenceRef, outcome: Outcome, opts): Promise<FenceResult> {
      const [ok, now, rest] = await run<[number, number, string | string[]]>(
        'complete',
        [recordKey(ref), due, ids, flying],
        [
          ref.id,
          ref.fence,
          outcome.ok ? '1' : '0',
          outcome.status,
          outcome.body,
          outcome.headers === undefined ? '' : JSON.stringify(outcome.headers),
          grace,
          opts?.notify ? '1' : '0',
          channel,
          refId(ref),
        ],
      );
      waiters.notify(refId(ref));
      if (ok !== 1) return refused(now, rest as string);
      // The script leaves the body out of its answer: we sent it, no need to receive it back.
      const record = toRecord(rest as string[]);
      return { ok: true, record: { ...record, outcome: { ...record.outcome!, body: outcome.body } }, now };
    },
    async abandon(ref: FenceRef, opts): Promise<FenceResult> {
      const [ok, now, reason] = await run<[number, number, string | undefined]>(
        'abandon',
        [recordKey(ref), due, ids, flying],
        [ref.id, ref.fence, opts?.notify ? '1' : '0', channel, refId(ref), prefix, retention],
      );
      waiters.notify(refId(ref));
      return ok === 1 ? { ok: true, record: undefined, now } : refused(now, reason!);
    },
    async renew(ref: FenceRef, leaseMs: number): Promise<FenceResult> {
      const [ok, now, rest] = await run<[number, number, string | string[]]>(
        'renew',
        [recordKey(ref), due, ids, flying],
        [ref.id, ref.fence, leaseMs, grace],
      );
      return ok === 1 ? { ok: true, record: toRecord(rest as string[]), now } : refused(now, rest as string);
    },
    release: (ref) => remove('release', ref),
    void: (ref) => remove('void', ref),
    get,
    purgeExpired(limit: number): Promise<number> {
      return run<number>('purge', [due, ids, flying], [limit, grace, prefix, retention]);
    },
    async appendEvents(events: readonly IdemEvent[]): Promise<void> {
      if (events.length === 0) return;
      const args: Arg[] = [maxEvents, maxPerKey, retention];
      for (const e of events) args.push(e.id, keyIndex(e.key), typeIndex(e.type), JSON.stringify(e));
      await run('appendEvents', [eventsAll, eventBodies], args);
    },
    async appendRequests(requests: readonly LoggedRequest[]): Promise<void> {
      if (requests.length === 0) return;
      const args: Arg[] = [maxEvents, maxPerKey, retention];
      for (const r of requests)
        args.push(r.id, requestIdIndex(r.requestId), decisionIndex(r.decision), JSON.stringify(r));
      // The same script as events: bodies by id, capped in all and per index.
      await run('appendEvents', [requestsAll, requestBodies], args);
    },
    async listEvents(query: EventQuery): Promise<IdemEvent[]> {
      const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
      // The narrowest index the query allows; the other filters apply to what it yields.
      const index =
        query.key !== undefined
          ? keyIndex(query.key)
          : query.types?.length === 1
            ? typeIndex(query.types[0]!)
            : eventsAll;
      const matches = (e: IdemEvent): boolean =>
        (query.scope === undefined || e.scope === query.scope) &&
        (query.procedure === undefined || e.procedure === query.procedure) &&
        (query.kind === undefined || (e.kind ?? 'key') === query.kind) &&
        (query.key === undefined || e.key === query.key) &&
        (query.types === undefined || query.types.length === 0 || query.types.includes(e.type));
      const out: IdemEvent[] = [];
      const page = Math.max(limit * 2, 200);
      let upper = query.before === undefined ? '+' : `(${query.before}`;
      while (out.length < limit) {
        const flat = await run<(string | null)[]>('eventsPage', [index, eventBodies], [upper, page]);
        for (let i = 0; i + 1 < flat.length && out.length < limit; i += 2) {
          const body = flat[i + 1];
          if (body === null || body === undefined) continue; // capped away since it was indexed
          const event = JSON.parse(body) as IdemEvent;
          if (matches(event)) out.push(event);
        }
        if (flat.length < page * 2) break;
        upper = `(${flat[flat.length - 2]}`;
      }
      return out;
    },
    waitForChange(ref: KeyRef, seen: KeyRecord, timeoutMs: number, signal?: AbortSignal): Promise<void> {
      // The re-check reads the key only once the subscription stands: a change after that read is heard.
      return waiters.wait(refId(ref), timeoutMs, signal, async () => {
        await subscribed;
        return unchanged(seen, await get(ref));
      });
    },
    now(): Promise<number> {
      return run<number>('now', [], []);
    },
    async close(): Promise<void> {
      if (subscriber === undefined) return;
      subscriber.off('message', onMessage);
      await subscribed;
      if (ownSubscriber) await subscriber.quit().catch(() => {});
      else await subscriber.unsubscribe(channel).catch(() => {});
    },
  };
  const admin = createRedisAdmin({
    run,
    toRecord,
    get,
    listEvents: (query) => store.listEvents(query),
    requestsPage: async (index, upper, count) => {
      const flat = await run<(string | null)[]>('eventsPage', [index, requestBodies], [upper, count]);
      const out: { id: string; request: LoggedRequest | null }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const body = flat[i + 1];
        out.push({
          id: flat[i]!,
          request: typeof body === 'string' ? (JSON.parse(body) as LoggedRequest) : null,
        });
      }
      return out;
    },
    requestIndexes: { all: requestsAll, byRequestId: requestIdIndex, byDecision: decisionIndex },
    keys: { ids, flying, due, audit: `${prefix}:audit`, auditBodies: `${prefix}:audit:body` },
    goneKey: (id) => `${prefix}:gone:${id}`,
    grace,
    prefix,
    client,
  });
  return Object.assign(store, { admin });
}
