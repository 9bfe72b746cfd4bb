// Seed 003 (Salesbricks): report usage on an order under X-SALESBRICKS-IDEMPOTENT-OPERATION-KEY (≤ 255).
// Every outcome is stored and replayed, 5xx included; the same key with another payload is 400; concurrent
// duplicates are processed one after the other and the later ones get 409.
// Demo orders: any order_id works, except `ord_missing…` (404, no such order) and `ord_broken…` (500, the
// billing ledger fails after the usage row was written: the transaction rolls the row back), so stored errors
// can be seen replaying.
import { z } from 'zod';
import { resourceId } from '../domain/ids.ts';
import { fail } from '../errors.ts';
import { idem } from '../idempotency.ts';
import { authedProcedure, demoLatency, router } from '../trpc.ts';

export const UsageInput = z.object({
  order_id: z.string().min(1).max(255),
  internal_usage_id: z.string().min(1).max(255),
  quantity: z.number().finite().nonnegative(),
  occurred_at: z.iso.datetime({ offset: true }),
});

export interface UsageRecordView {
  id: string;
  order_id: string;
  internal_usage_id: string;
  quantity: number;
  occurred_at: string;
  created_at: string;
}

export const salesbricksRouter = router({
  usage: router({
    report: authedProcedure
      .use(idem.idempotent({ preset: 'salesbricks' }))
      .input(UsageInput)
      .use(demoLatency)
      .use(idem.transaction())
      .mutation(async ({ ctx, input }): Promise<UsageRecordView> => {
        if (input.order_id.startsWith('ord_missing')) {
          throw fail(404, 'order_not_found', `Order ${input.order_id} does not exist.`);
        }
        const row = await ctx.tx.usageRecord.create({
          data: {
            id: resourceId('usage'),
            owner: ctx.caller.id,
            orderId: input.order_id,
            internalUsageId: input.internal_usage_id,
            quantity: input.quantity,
            occurredAt: input.occurred_at,
            createdAt: new Date(),
          },
        });
        if (input.order_id.startsWith('ord_broken')) {
          // The usage row above is already written: the transaction rolls it back with the stored 500 (K11).
          throw fail(
            500,
            'billing_unavailable',
            'The billing ledger is unavailable; usage was not recorded.',
          );
        }
        ctx.idempotency.setStatus(201);
        return {
          id: row.id,
          order_id: row.orderId,
          internal_usage_id: row.internalUsageId,
          quantity: row.quantity,
          occurred_at: row.occurredAt,
          created_at: row.createdAt.toISOString(),
        };
      }),
  }),
});
