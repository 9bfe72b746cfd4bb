// idempotencyLink(): the client half of idem. For every mutation it mints one key per logical operation
// (UUIDv7) or takes the caller's, sends it with every attempt, retries what is safe to retry with the same key
// and the same bytes, journals the operation until its outcome is known, and reports replays as a flag, not an
// error (C1–C6). Put it before the terminating link, and give that link idempotencyHeaders():
//
//   createTRPCClient<AppRouter>({ links: [
//     idempotencyLink({ journal }),
//     httpBatchLink({ url, transformer: superjson, headers: idempotencyHeaders({ 'x-api-key': key }) }),
//   ] })
import {
  type Operation,
  type TRPCClient,
  TRPCClientError,
  type TRPCLink,
  getUntypedClient,
} from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { v7 as uuidv7 } from 'uuid';
import {
  BATCH_KEYS_HEADER,
  ENVELOPE_HEADER,
  type IdempotencyErrorData,
  isReplayEnvelope,
  REPLAYED_KEYS_HEADER,
} from '../protocol.ts';
import { canonicalInput } from './canonical.ts';
import { type Journal, JournalError } from './journal.ts';
import { backoffMs, type RetryOptions, type RetryReason, retryReason, serverRetryAfterMs } from './retry.ts';

/** What the client knows about one operation's idempotency. */
export interface IdempotencyInfo {
  readonly key: string;
  readonly path: string;
  /** The server answered with a stored outcome: an earlier attempt (or another process) already ran it. */
  readonly replayed: boolean;
  /** HTTP attempts made, the first included. */
  readonly attempts: number;
}

/**
 * Per-call options, passed as `mutate(input, { context: { … } })`. A type, not an interface, so it fits tRPC's
 * index-signature context type.
 */
export type IdempotencyCallContext = {
  /** Use this key instead of minting one (e.g. built from stable source facts, seed 001). */
  idempotencyKey?: string;
  /** false: send without a key and without retries. */
  idempotency?: boolean;
  /** false: one attempt only (the key is still sent). */
  retry?: boolean;
};

/** A value (the codec of the router's transformer) for journal entries; superjson fits. */
export interface JournalCodec {
  stringify(value: unknown): string;
  parse(text: string): unknown;
}

export interface IdempotencyLinkOptions {
  /** Builds the key from the operation's stable facts; return undefined to mint a UUIDv7. */
  key?: (op: { path: string; input: unknown }) => string | undefined;
  /** Retry policy, or false to leave retries to tRPC's retryLink (compose it below this link). */
  retry?: RetryOptions | false;
  /** Where pending operations are written before they are sent (C3). */
  journal?: Journal;
  /** How inputs are written to the journal (default JSON; pass superjson if the router uses it). */
  codec?: JournalCodec;
  /** Sort plain-object keys of inputs, so a retry or a resumed operation sends the same bytes (C2). Default true. */
  canonical?: boolean;
  /** Log hook: every settled operation, replays included (C6). */
  onSettled?: (info: IdempotencyInfo) => void;
  /** Log hook: a retry is about to wait `delayMs`. */
  onRetry?: (info: {
    key: string;
    path: string;
    attempt: number;
    reason: RetryReason;
    delayMs: number;
  }) => void;
  /** Journal problems that do not fail a call (a delete that failed): reported, the entry stays. */
  onJournalError?: (error: unknown) => void;
}

const infos = new WeakMap<object, IdempotencyInfo>();

/**
 * The idempotency facts of a mutation's result: whether it was a replay, under which key, after how many
 * attempts. Results that are not objects (a bare number, say) carry none; use the onSettled hook for those.
 *
 * @example
 * const note = await client.shelfcycle.notes.create.mutate(input);
 * if (idempotencyOf(note)?.replayed) log.info('retry absorbed', idempotencyOf(note)?.key);
 */
export function idempotencyOf(result: unknown): IdempotencyInfo | undefined {
  return result !== null && typeof result === 'object' ? infos.get(result) : undefined;
}

/** A key for a new logical operation: a UUIDv7 (unique, time-ordered). */
export const mintKey = (): string => uuidv7();

type HeaderInput = { op: Operation } | { opList: readonly Operation[] };

/**
 * The `headers` option for httpLink or httpBatchLink: your headers plus each operation's key, by batch index.
 * A single operation also gets `Idempotency-Key` (or `singleHeader`) for readability in logs and proxies.
 */
export function idempotencyHeaders(
  base: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>) = {},
  options: { singleHeader?: string | null } = {},
) {
  const single = options.singleHeader === undefined ? 'Idempotency-Key' : options.singleHeader;
  return async (input: HeaderInput): Promise<Record<string, string>> => {
    const headers = { ...(typeof base === 'function' ? await base() : base) };
    const ops = 'opList' in input ? input.opList : [input.op];
    const keys: Record<string, string> = {};
    ops.forEach((op, index) => {
      const key = (op.context as IdempotencyCallContext).idempotencyKey;
      if (op.type === 'mutation' && typeof key === 'string') keys[index] = key;
    });
    if (Object.keys(keys).length > 0) {
      headers[BATCH_KEYS_HEADER] = JSON.stringify(keys);
      // Replays come back wrapped, so a streamed batch (whose headers leave first) still says which were replays.
      headers[ENVELOPE_HEADER] = '1';
      if (!('opList' in input) && single && keys[0] !== undefined) headers[single] = keys[0];
    }
    return headers;
  };
}

function replayedKeys(response: unknown): string[] {
  if (!(response instanceof Response)) return [];
  try {
    const keys = JSON.parse(response.headers.get(REPLAYED_KEYS_HEADER) ?? '[]') as unknown;
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

/** Whether the server answered (so the outcome is known and the journal entry can go). */
function answered(error: unknown): boolean {
  return (
    retryReason(error) === null &&
    error instanceof TRPCClientError &&
    (error.data as Partial<IdempotencyErrorData> | null)?.httpStatus !== undefined
  );
}

const defaultCodec: JournalCodec = {
  stringify: (v) => JSON.stringify(v ?? null),
  parse: (t) => JSON.parse(t) as unknown,
};

/**
 * @example
 * idempotencyLink({ retry: { attempts: 6 }, journal: fileJournal('.idem-journal'), codec: superjsonCodec })
 */
export function idempotencyLink<TRouter extends AnyRouter>(
  options: IdempotencyLinkOptions = {},
): TRPCLink<TRouter> {
  const retry = options.retry === false ? null : (options.retry ?? {});
  const codec = options.codec ?? defaultCodec;
  const reportJournal =
    options.onJournalError ?? ((error: unknown) => console.error('[idem] journal:', error));

  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const context = op.context as IdempotencyCallContext;
        if (op.type !== 'mutation' || context.idempotency === false) return next(op).subscribe(observer);

        const input = options.canonical === false ? op.input : canonicalInput(op.input);
        const key = context.idempotencyKey ?? options.key?.({ path: op.path, input }) ?? mintKey();
        const operation: Operation = { ...op, input, context: { ...op.context, idempotencyKey: key } };
        const maxAttempts = retry === null || context.retry === false ? 1 : Math.max(1, retry.attempts ?? 5);
        let attempts = 0;
        let current: Unsubscribable | null = null;
        let timer: ReturnType<typeof setTimeout> | null = null;
        let stopped = false;

        // The entry goes before the caller hears the outcome, so a caller that moves on can never see the same
        // operation resumed later.
        const forget = (): Promise<void> =>
          options.journal ? options.journal.delete(key).catch(reportJournal) : Promise.resolve();
        let settling: Promise<void> = Promise.resolve();

        const attempt = () => {
          attempts++;
          current = next(operation).subscribe({
            next(envelope) {
              const response = (envelope.context as { response?: unknown } | undefined)?.response;
              const result = envelope.result as { data?: unknown };
              const wrapped = isReplayEnvelope(result.data);
              const data = wrapped ? (result.data as { data: unknown }).data : result.data;
              const info: IdempotencyInfo = {
                key,
                path: op.path,
                replayed: wrapped || replayedKeys(response).includes(key),
                attempts,
              };
              if (data !== null && typeof data === 'object') infos.set(data, info);
              const settled = wrapped
                ? ({ ...envelope, result: { ...envelope.result, data } } as typeof envelope)
                : envelope;
              settling = forget().then(() => {
                options.onSettled?.(info);
                observer.next({ ...settled, context: { ...settled.context, idempotency: info } });
              });
            },
            error(error) {
              const reason = retryReason(error);
              if (reason !== null && attempts < maxAttempts && !stopped && !op.signal?.aborted) {
                const delayMs = backoffMs(attempts, retry ?? {}, serverRetryAfterMs(error));
                options.onRetry?.({ key, path: op.path, attempt: attempts, reason, delayMs });
                timer = setTimeout(attempt, delayMs);
                return;
              }
              // A stored or refused outcome is an outcome: the operation is settled. A network failure is not:
              // the entry stays so resumePending() can finish it with the same key.
              if (answered(error)) {
                void forget().then(() => {
                  options.onSettled?.({ key, path: op.path, replayed: false, attempts });
                  observer.error(error);
                });
                return;
              }
              observer.error(error);
            },
            complete() {
              void settling.then(() => observer.complete());
            },
          });
        };

        const start = async () => {
          if (options.journal) {
            try {
              await options.journal.put({
                key,
                path: op.path,
                input: codec.stringify(input),
                createdAt: Date.now(),
              });
            } catch (error) {
              // Not durable, not sent: the caller decides, nothing is silently dropped.
              observer.error(
                TRPCClientError.from(
                  error instanceof Error ? error : new JournalError('JOURNAL_WRITE_FAILED', String(error)),
                ),
              );
              return;
            }
          }
          if (!stopped) attempt();
        };
        void start();

        return () => {
          stopped = true;
          if (timer !== null) clearTimeout(timer);
          current?.unsubscribe();
        };
      });
}

/** What resumePending() did with one journaled operation. */
export type ResumeResult =
  | { key: string; path: string; ok: true; data: unknown; info: IdempotencyInfo | undefined }
  | { key: string; path: string; ok: false; error: unknown };

/**
 * Retries every operation a previous run left in the journal, with its original key and input (C3). Call it on
 * start, with a client built with the same journal. Operations are resumed one after the other, oldest first.
 *
 * @example
 * const results = await resumePending(client, { journal, codec: superjsonCodec });
 */
export async function resumePending(
  client: TRPCClient<AnyRouter>,
  options: { journal: Journal; codec?: JournalCodec },
): Promise<ResumeResult[]> {
  const codec = options.codec ?? defaultCodec;
  const untyped = getUntypedClient(client);
  const results: ResumeResult[] = [];
  for (const entry of await options.journal.list()) {
    try {
      const data = await untyped.mutation(entry.path, codec.parse(entry.input), {
        context: { idempotencyKey: entry.key } satisfies IdempotencyCallContext,
      });
      results.push({ key: entry.key, path: entry.path, ok: true, data, info: idempotencyOf(data) });
    } catch (error) {
      results.push({ key: entry.key, path: entry.path, ok: false, error });
    }
  }
  return results;
}
