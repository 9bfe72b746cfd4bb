// The admin router (SPEC D1–D5): what the dashboard's server asks on behalf of support staff. Every procedure
// needs the admin token (staffProcedure); actions also need the admin role and are written to the audit log
// with who, what, when, and the key as it was before and after.
import { describeRef, type KeyRef, type KeyState } from '@idem/core';
import { z } from 'zod';
import { purgeJob, startPurge } from '../admin/purge-jobs.ts';
import { adminActionProcedure, staffIdempotency, staffProcedure } from '../admin/staff.ts';
import { eventView, keyedFingerprints, keyRow, storyView } from '../admin/views.ts';
import { fail } from '../errors.ts';
import { router } from '../trpc.ts';

/** Optional text filter: empty means "not filtered", so a form can send every field. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const cursor = z.string().max(100).optional();
const limit = z.number().int().min(1).max(200).optional();

export const KeySearchInput = z.object({
  key: text(10_000),
  keyPrefix: text(10_000),
  scope: text(500),
  procedure: text(500),
  state: z
    .enum(['in_flight', 'completed', 'failed', 'expired'] as const satisfies readonly KeyState[])
    .optional(),
  naturalId: text(10_000),
  createdFrom: z.number().finite().optional(),
  createdTo: z.number().finite().optional(),
  order: z.enum(['newest', 'oldest']).optional(),
  cursor,
  limit,
});

const KeyRefInput = z.object({
  scope: z.string().min(1).max(500),
  procedure: z.string().min(1).max(500),
  key: z.string().min(1).max(10_000),
});

const StoryInput = z.union([z.object({ id: z.string().min(1).max(100) }), KeyRefInput]);

export const adminRouter = router({
  /** Who the API thinks is asking, and on which store. */
  whoami: staffProcedure.query(({ ctx }) => ({ ...ctx.staff, store: ctx.engine.store.kind })),

  /** D4: counts over time, rates, keys in flight and expiring. */
  overview: staffProcedure
    .input(
      z
        .object({
          windowMs: z
            .number()
            .int()
            .min(60_000)
            .max(31 * 24 * 3_600_000)
            .optional(),
          bucketMs: z.number().int().min(1000).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => ctx.admin.stats(input ?? {})),

  /** D1: keys by key, prefix, caller, procedure, state, natural id and creation time; cursor paged. */
  keys: staffProcedure.input(KeySearchInput).query(async ({ ctx, input }) => {
    const page = await ctx.admin.searchKeys(input);
    return {
      items: page.items.map((r) => keyRow(r, page.now)),
      nextCursor: page.nextCursor,
      now: page.now,
    };
  }),

  /** D2: a key's story, by record id or by identity (for keys that are gone but whose events remain). */
  story: staffProcedure.input(StoryInput).query(async ({ ctx, input }) => {
    const story = await ctx.admin.keyStory('id' in input ? { id: input.id } : { ref: input });
    if (story === undefined)
      throw fail(404, 'key_not_found', 'No key and no event is known under that name.');
    return storyView(story, keyedFingerprints(ctx.adminToken));
  }),

  /** D3: conflicts, or natural duplicates, newest first. */
  incidents: staffProcedure
    .input(z.object({ kind: z.enum(['conflicts', 'natural']), cursor, limit }))
    .query(async ({ ctx, input }) => {
      const page = await ctx.admin.incidents(input);
      const shown = keyedFingerprints(ctx.adminToken);
      return {
        items: page.items.map((e) => eventView(e, shown)),
        nextCursor: page.nextCursor,
        now: page.now,
      };
    }),

  /** D5: every action staff took, newest first. */
  audit: staffProcedure
    .input(z.object({ cursor, limit }).optional())
    .query(({ ctx, input }) => ctx.admin.listAudit(input ?? {})),

  /** D5: ends an in-flight key whatever its lease, so a retry runs fresh; the holder's outcome is then refused. */
  release: adminActionProcedure
    .input(KeyRefInput)
    .use(staffIdempotency.idempotent({ name: 'dashboard-action' }))
    .mutation(async ({ ctx, input }) => {
      const ref: KeyRef = input;
      const before = await ctx.engine.release(ref, ctx.staff.actor);
      if (before === undefined) {
        throw fail(
          409,
          'key_not_in_flight',
          'This key is not in flight (it completed, or is gone): nothing to release.',
        );
      }
      const now = await ctx.engine.store.now();
      const row = keyRow(before, now);
      await ctx.admin.appendAudit({
        actor: ctx.staff.actor,
        role: ctx.staff.role,
        action: 'key.release',
        target: describeRef(ref),
        before: {
          id: row.id,
          state: row.state,
          fence: row.fence,
          leaseOwner: row.leaseOwner,
          leaseExpiresAt: row.leaseExpiresAt === null ? null : new Date(row.leaseExpiresAt).toISOString(),
          requestId: row.requestId,
        },
        after: { state: 'released', record: null },
      });
      return { released: row };
    }),

  purge: router({
    /** D5: starts purging expired keys (or joins the purge already running); poll `status` for progress. */
    start: adminActionProcedure
      .use(staffIdempotency.idempotent({ name: 'dashboard-action' }))
      .mutation(({ ctx }) => startPurge(ctx.engine, ctx.admin, ctx.staff)),
    /** The purge with this id, or the latest one; null when there is none. */
    status: staffProcedure
      .input(z.object({ id: z.string().max(100).optional() }).optional())
      .query(({ ctx, input }) => purgeJob(ctx.engine, input?.id)),
  }),
});
