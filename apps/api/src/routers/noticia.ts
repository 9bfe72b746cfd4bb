// Seed 000 (Noticia): profiles and stores upsert by external_id (N1, forever); sales events are written once per
// external_id and a known one answers 200 instead of 201 (N2). On every route an optional Idempotency-Key
// protects against lost responses: replays carry `Idempotent-Replayed: true`, a changed body under the same key
// is 409 IDEMPOTENCY_CONFLICT, compared byte for byte; keys last 24 hours.
import { z } from 'zod';
import type { DomainTx } from '../db/domain.ts';
import { resourceId } from '../domain/ids.ts';
import { idem } from '../idempotency.ts';
import { authedProcedure, demoLatency, router } from '../trpc.ts';

/** An entity pushed by the caller: its own external_id plus any attributes. */
export const ExternalEntity = z.looseObject({ external_id: z.string().min(1).max(255) });
export type ExternalEntity = z.infer<typeof ExternalEntity>;

/** An entity as stored, as every route of this group answers it. */
export interface StoredEntity {
  id: string;
  external_id: string;
  [attribute: string]: unknown;
}

function attributes(input: ExternalEntity): Record<string, unknown> {
  const { external_id: _, ...rest } = input;
  return rest;
}

function view(row: {
  id: string;
  externalId: string;
  data: string;
  createdAt: Date;
  updatedAt?: Date;
}): StoredEntity {
  return {
    id: row.id,
    external_id: row.externalId,
    ...(JSON.parse(row.data) as Record<string, unknown>),
    created_at: row.createdAt.toISOString(),
    ...(row.updatedAt ? { updated_at: row.updatedAt.toISOString() } : {}),
  };
}

type UpsertTable = 'profile' | 'store';

async function upsert(tx: DomainTx, table: UpsertTable, owner: string, input: ExternalEntity) {
  const delegate = tx[table] as DomainTx['profile'];
  const existing = await delegate.findUnique({
    where: { owner_externalId: { owner, externalId: input.external_id } },
  });
  const now = new Date();
  if (existing) {
    // An upsert merges: attributes not sent keep their value.
    const data = JSON.stringify({ ...(JSON.parse(existing.data) as object), ...attributes(input) });
    return {
      created: false,
      row: await delegate.update({ where: { id: existing.id }, data: { data, updatedAt: now } }),
    };
  }
  const row = await delegate.create({
    data: {
      id: resourceId(table === 'profile' ? 'prof' : 'store'),
      owner,
      externalId: input.external_id,
      data: JSON.stringify(attributes(input)),
      createdAt: now,
      updatedAt: now,
    },
  });
  return { created: true, row };
}

function upsertProcedure(table: UpsertTable) {
  return authedProcedure
    .use(idem.idempotent({ preset: 'noticia' }))
    .input(ExternalEntity)
    .use(idem.idempotent({ preset: 'noticia-upsert' }))
    .use(demoLatency)
    .use(idem.transaction())
    .mutation(async ({ ctx, input }): Promise<StoredEntity> => {
      const { created, row } = await upsert(ctx.tx, table, ctx.caller.id, input);
      ctx.idempotency.setStatus(created ? 201 : 200);
      return view(row);
    });
}

export const noticiaRouter = router({
  profiles: router({ upsert: upsertProcedure('profile') }),
  stores: router({ upsert: upsertProcedure('store') }),
  salesEvents: router({
    ingest: authedProcedure
      .use(idem.idempotent({ preset: 'noticia' }))
      .input(ExternalEntity)
      .use(idem.idempotent({ preset: 'noticia-recognised-create' }))
      .use(demoLatency)
      .use(idem.transaction())
      .mutation(async ({ ctx, input }): Promise<StoredEntity> => {
        const owner = ctx.caller.id;
        // The natural key above recognises a known external_id; the unique index is the durable guarantee
        // behind it, so a recognised event answers 200 even if its key record was ever released.
        const existing = await ctx.tx.salesEvent.findUnique({
          where: { owner_externalId: { owner, externalId: input.external_id } },
        });
        if (existing) {
          ctx.idempotency.setStatus(200);
          return view(existing);
        }
        const row = await ctx.tx.salesEvent.create({
          data: {
            id: resourceId('sev'),
            owner,
            externalId: input.external_id,
            data: JSON.stringify(attributes(input)),
            createdAt: new Date(),
          },
        });
        ctx.idempotency.setStatus(201);
        return view(row);
      }),
  }),
});
