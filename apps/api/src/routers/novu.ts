// Seed 002 (Novu): trigger a workflow. Idempotency-Key optional (≤ 255); replays carry
// `Idempotency-Replay: true`; another body under the key is 422; a duplicate while the first runs is 409 with
// Retry-After; outcomes are stored, errors included (an unknown workflow is a 404 that replays); requests that
// fail validation are not stored; keys last 24 h 1 min.
import { z } from 'zod';
import { resourceId } from '../domain/ids.ts';
import { fail } from '../errors.ts';
import { idem } from '../idempotency.ts';
import { authedProcedure, demoLatency, router } from '../trpc.ts';

/** The workflows this demo knows. */
export const WORKFLOWS = ['welcome', 'password-reset', 'order-shipped'] as const;

export const TriggerInput = z.object({
  name: z.string().min(1).max(200),
  to: z.union([z.string().min(1), z.object({ subscriberId: z.string().min(1).max(255) }).loose()]),
  payload: z.record(z.string(), z.unknown()).optional(),
  actor: z.unknown().optional(),
  tenant: z.unknown().optional(),
});

export interface TriggerResult {
  acknowledged: true;
  status: 'processed';
  transactionId: string;
}

export const novuRouter = router({
  events: router({
    trigger: authedProcedure
      .use(idem.idempotent({ preset: 'novu' }))
      .input(TriggerInput)
      .use(demoLatency)
      .use(idem.transaction())
      .mutation(async ({ ctx, input }): Promise<TriggerResult> => {
        if (!(WORKFLOWS as readonly string[]).includes(input.name)) {
          throw fail(404, 'workflow_not_found', `No workflow is identified by "${input.name}".`, {
            known: [...WORKFLOWS],
          });
        }
        const run = await ctx.tx.workflowRun.create({
          data: {
            id: resourceId('txn'),
            owner: ctx.caller.id,
            workflow: input.name,
            subscriberId: typeof input.to === 'string' ? input.to : input.to.subscriberId,
            payload: JSON.stringify(input.payload ?? {}),
            createdAt: new Date(),
          },
        });
        ctx.idempotency.setStatus(201);
        return { acknowledged: true, status: 'processed', transactionId: run.id };
      }),
  }),
});
