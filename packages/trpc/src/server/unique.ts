// Natural duplicates under another key (N5): fields that must not repeat across a caller's keys (a contact's email
// under one parent, say). Each constraint is kept as a key of its own (kind `unique`) whose "payload" is the
// idempotency key that created the resource: the same key retrying matches it, another key conflicts with it.
import type { Engine, Execution, IdempotencyStore, Policy } from '@idem/core';
import { definePolicy } from '@idem/core';
import type { TRPCError } from '@trpc/server';
import type { HttpExchange } from './exchange.ts';
import { fieldKey } from './natural-key.ts';
import type { EdgePolicy } from './policy.ts';
import { refuse } from './refusal.ts';

/** The policy of unique claims: forever, compared exactly, refused by another key. */
export function uniquePolicy(policy: Policy): Policy {
  return definePolicy({
    name: `${policy.name}:unique`,
    key: { maxLength: 10_000 },
    ttlMs: null,
    leaseMs: policy.leaseMs,
    onMismatch: 'conflict',
  });
}

/** A natural duplicate refused (N5): the error to answer, its code and the value another key holds. */
export interface UniqueRefusal {
  readonly error: TRPCError;
  readonly code: string;
  readonly value: string;
}

/**
 * Claims every unique constraint the input has, under `execution`'s key. Returns the claims to settle with the
 * outcome, or the refusal for the first constraint another key already holds (after giving back the rest).
 */
export async function claimUniques(
  engine: Engine<IdempotencyStore>,
  edge: EdgePolicy,
  claimPolicy: Policy,
  execution: Execution<unknown>,
  input: unknown,
  http: HttpExchange | undefined,
): Promise<Execution<unknown>[] | UniqueRefusal> {
  const { scope, procedure, key } = execution.ref;
  const held: Execution<unknown>[] = [];
  for (const unique of edge.unique) {
    const claimKey = fieldKey(input, unique.fields, unique.compare);
    if (claimKey === undefined) continue;
    const claim = await engine.begin({
      scope,
      procedure,
      kind: 'unique',
      key: claimKey.key,
      policy: claimPolicy,
      payload: { value: key },
      requestId: http?.requestId ?? null,
      naturalId: claimKey.naturalId,
    });
    if (claim.kind === 'execute') held.push(claim.execution as Execution<unknown>);
    else if (claim.kind === 'conflict' || claim.kind === 'in_flight') {
      await settleUniques(held, false);
      engine.record(
        'natural_duplicate',
        { scope, procedure, kind: execution.ref.kind, key },
        {
          requestId: http?.requestId ?? null,
          detail: {
            status: unique.status,
            code: unique.code,
            fields: unique.fields.join('+'),
            value: claimKey.naturalId,
            heldBy: claim.record.requestPayload,
          },
        },
      );
      return {
        error: refuse(unique.status, unique.code, unique.message),
        code: unique.code,
        value: claimKey.naturalId,
      };
    }
  }
  return held;
}

/** Completes the claims (the resource was created) or gives them back (it was not). */
export async function settleUniques(
  claims: Execution<unknown>[],
  created: boolean,
  tx?: unknown,
): Promise<void> {
  for (const claim of claims) {
    await (created
      ? claim.complete(
          { ok: true, status: 200, body: JSON.stringify(claim.ref.key) },
          tx === undefined ? {} : { tx },
        )
      : claim.abandon()
    ).catch((error: unknown) => console.error('[idem] could not settle a unique claim:', error));
  }
}
