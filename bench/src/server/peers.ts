// The two peers, wired as their own documentation shows, on the same Redis and with the same TTL as idem:
// - @node-idempotency/core with its Redis storage adapter (node-redis 4): onRequest before the handler,
//   onResponse after it;
// - @aws-lambda-powertools/idempotency with its cache persistence layer on @redis/client: makeIdempotent around
//   the handler, keyed by the request's Idempotency-Key (eventKeyJmesPath); see below on payload validation.
// Both wrap the procedure's work inside the resolver; their refusals become the same HTTP statuses idem uses
// (409 in flight, 422 another payload), so the load generator sees like for like.
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache';
import { Idempotency, IdempotencyError, IdempotencyErrorCodes } from '@node-idempotency/core';
import { RedisStorageAdapter } from '@node-idempotency/storage-adapter-redis';
import { createClient } from '@redis/client';
import { TRPCError } from '@trpc/server';

/** Runs `work` at most once per key; answers what the first run answered. */
export type PeerRun = (
  key: string | undefined,
  payload: unknown,
  work: () => Promise<unknown>,
) => Promise<unknown>;

export interface Peer {
  run: PeerRun;
  close(): Promise<void>;
}

const inFlight = (message: string) => new TRPCError({ code: 'CONFLICT', message });
const otherPayload = (message: string) => new TRPCError({ code: 'UNPROCESSABLE_CONTENT', message });

export async function nodeIdempotencyPeer(options: {
  url: string;
  prefix: string;
  ttlMs: number;
}): Promise<Peer> {
  const storage = new RedisStorageAdapter({ url: options.url });
  await storage.connect();
  const idempotency = new Idempotency(storage, { cacheKeyPrefix: options.prefix, cacheTTLMS: options.ttlMs });
  return {
    async run(key, payload, work) {
      const request = {
        method: 'POST',
        path: '/bench',
        headers: key === undefined ? {} : { 'idempotency-key': key },
        body: payload as Record<string, unknown>,
      };
      let stored: { body?: unknown } | undefined;
      try {
        stored = await idempotency.onRequest(request);
      } catch (error) {
        if (error instanceof IdempotencyError && error.code === IdempotencyErrorCodes.REQUEST_IN_PROGRESS)
          throw inFlight(error.message);
        if (
          error instanceof IdempotencyError &&
          error.code === IdempotencyErrorCodes.IDEMPOTENCY_FINGERPRINT_MISSMATCH
        )
          throw otherPayload(error.message);
        throw error;
      }
      if (stored !== undefined) return stored.body;
      const body = await work();
      await idempotency.onResponse(request, { body, additional: { status: 200 } });
      return body;
    },
    close: () => storage.disconnect(),
  };
}

interface PowertoolsContext {
  /** Powertools reads the in-progress expiry from a Lambda context; a long one plays the role of idem's lease. */
  getRemainingTimeInMillis(): number;
  work(): Promise<unknown>;
}

export async function powertoolsPeer(options: { url: string; prefix: string; ttlMs: number }): Promise<Peer> {
  const client = await createClient({ url: options.url }).connect();
  const persistenceStore = new CachePersistenceLayer({ client });
  // No payloadValidationJmesPath: with it, Powertools 2.35's cache layer drops the payload hash when a record
  // completes and then refuses every replay as a payload mismatch (aws-powertools/powertools-lambda-typescript
  // #5705, fixed by #5706 after 2.35). Without it, another payload under a used key replays the first answer.
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: Math.round(options.ttlMs / 1000),
  });
  const handler = makeIdempotent(
    async (_event: { key: string; payload: unknown }, context: PowertoolsContext) => context.work(),
    { persistenceStore, config, keyPrefix: options.prefix },
  );
  return {
    async run(key, payload, work) {
      if (key === undefined) return work();
      try {
        return await handler({ key, payload }, { getRemainingTimeInMillis: () => 600_000, work });
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'IdempotencyAlreadyInProgressError') throw inFlight((error as Error).message);
        if (name === 'IdempotencyValidationError') throw otherPayload((error as Error).message);
        throw error;
      }
    },
    close: async () => {
      await client.quit();
    },
  };
}
