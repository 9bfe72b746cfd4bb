// Seed 004 (Numora): no generic Idempotency-Key. Documents are identified by external_id per (caller, schema):
// resubmitting returns the existing document (N3). Delivery callbacks are identified by execution_id: the same
// id with the same data is accepted again, with other data it is 409 conflict (N4).
import { z } from 'zod';
import { resourceId } from '../domain/ids.ts';
import { fail } from '../errors.ts';
import { idem } from '../idempotency.ts';
import { authedProcedure, demoLatency, router } from '../trpc.ts';

export const DocumentInput = z.object({
  schema: z.string().min(1).max(100),
  file_url: z.url().max(2048),
  external_id: z.string().min(1).max(255),
});

export const DeliveryInput = z.looseObject({
  document_id: z.string().min(1).max(255),
  execution_id: z.string().min(1).max(255),
});

export interface DocumentView {
  id: string;
  schema: string;
  file_url: string;
  external_id: string;
  status: string;
  created_at: string;
}

export interface DeliveryView {
  document_id: string;
  execution_id: string;
  status: 'accepted';
}

export const numoraRouter = router({
  documents: router({
    create: authedProcedure
      .input(DocumentInput)
      .use(idem.idempotent({ preset: 'numora-documents' }))
      .use(demoLatency)
      .use(idem.transaction())
      .mutation(async ({ ctx, input }): Promise<DocumentView> => {
        const owner = ctx.caller.id;
        const key = {
          owner_schema_externalId: { owner, schema: input.schema, externalId: input.external_id },
        };
        const existing = await ctx.tx.document.findUnique({ where: key });
        const row =
          existing ??
          (await ctx.tx.document.create({
            data: {
              id: resourceId('doc'),
              owner,
              schema: input.schema,
              fileUrl: input.file_url,
              externalId: input.external_id,
              status: 'received',
              createdAt: new Date(),
            },
          }));
        ctx.idempotency.setStatus(existing ? 200 : 201);
        return {
          id: row.id,
          schema: row.schema,
          file_url: row.fileUrl,
          external_id: row.externalId,
          status: row.status,
          created_at: row.createdAt.toISOString(),
        };
      }),
    deliver: authedProcedure
      .input(DeliveryInput)
      .use(idem.idempotent({ preset: 'numora-delivery' }))
      .use(demoLatency)
      .use(idem.transaction())
      .mutation(async ({ ctx, input }): Promise<DeliveryView> => {
        const owner = ctx.caller.id;
        const document = await ctx.tx.document.findFirst({ where: { id: input.document_id, owner } });
        if (!document) throw fail(404, 'document_not_found', `Document ${input.document_id} does not exist.`);
        const { document_id: _, execution_id, ...data } = input;
        await ctx.tx.delivery.create({
          data: {
            id: resourceId('dlv'),
            owner,
            documentId: document.id,
            executionId: execution_id,
            data: JSON.stringify(data),
            createdAt: new Date(),
          },
        });
        await ctx.tx.document.update({ where: { id: document.id }, data: { status: 'delivered' } });
        ctx.idempotency.setStatus(200);
        return { document_id: document.id, execution_id, status: 'accepted' };
      }),
  }),
});
