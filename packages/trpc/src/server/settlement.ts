// Storing what a first call answered. One settlement per idempotent() layer holding a key; the outermost layer
// settles after the procedure, or idem.transaction() settles inside its transaction so the outcome commits with
// the business writes.
import type { Execution } from '@idem/core';
import type { TRPCError } from '@trpc/server';
import type { HttpExchange } from './exchange.ts';
import { errorOutcome, type OutputTransformer, successOutcome } from './outcome.ts';
import type { EdgePolicy } from './policy.ts';
import { settleUniques } from './unique.ts';
import { isInputValidationFailure } from './validation.ts';

/** What a first call answers besides its value: status and headers, shared by every layer of one call. */
export interface ResponseFacts {
  status: number | undefined;
  readonly headers: Record<string, string>;
}

export interface Settlement {
  settled: boolean;
  /** Stores the success outcome (inside `tx` when given); returns the value as this layer answers it. */
  succeed(data: unknown, tx?: unknown): Promise<unknown>;
  /** Stores the error outcome if the policy keeps it, else releases the key. */
  fail(error: TRPCError, tx?: unknown): Promise<void>;
  /** Gives the key up without an outcome. */
  abandon(): Promise<void>;
}

/** Sets `field` to "created"/"replayed" on an object result, for procedures whose policy has a body field. */
export function withBodyField(data: unknown, name: string | null, value: 'created' | 'replayed'): unknown {
  if (name === null || data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  return { ...(data as Record<string, unknown>), [name]: value };
}

export function settle(options: {
  execution: Execution<unknown>;
  claims: Execution<unknown>[];
  edge: EdgePolicy;
  path: string;
  transformer: OutputTransformer;
  http: HttpExchange | undefined;
  response: ResponseFacts;
}): Settlement {
  const { execution, claims, edge, path, transformer, http, response } = options;
  const report = (what: string, error: unknown) =>
    console.error(`[idem] could not store the ${what} of ${path} under key ${execution.ref.key}:`, error);
  const s: Settlement = {
    settled: false,
    async succeed(data, tx) {
      const answer = withBodyField(data, edge.presentation.replay.bodyField, 'created');
      const outcome = successOutcome(answer, response.status ?? 200, transformer, response.headers);
      s.settled = true;
      if (tx !== undefined) {
        // Inside the transaction a lost lease or a store failure must abort the writes: let it throw.
        await execution.complete(outcome, { tx });
      } else {
        try {
          await execution.complete(outcome);
        } catch (error) {
          // The mutation ran; its answer goes to the caller whatever happens to the record. A lost lease means a
          // retry took over after this holder stalled past its lease: its outcome is the one kept.
          report('outcome', error);
        }
      }
      // Inside the transaction too: on SQLite its connection is the only one, so anything else would wait.
      await settleUniques(claims, true, tx);
      return answer;
    },
    async fail(error, tx) {
      s.settled = true;
      try {
        await execution.complete(errorOutcome(error, http?.requestId ?? null), {
          invalidRequest: isInputValidationFailure(error),
          ...(tx === undefined ? {} : { tx }),
        });
      } catch (cause) {
        report('error outcome', cause);
      }
      await settleUniques(claims, false);
    },
    async abandon() {
      s.settled = true;
      await execution.abandon().catch(() => {});
      await settleUniques(claims, false);
    },
  };
  return s;
}
