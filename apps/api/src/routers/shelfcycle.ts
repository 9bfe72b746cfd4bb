// Seed 001 (Shelfcycle): notes and contacts need an Idempotency-Key, built from stable source facts
// (<source-system>:<source-event-id>:<target-type>:<target-id>:<action>). The answer is
// { data: { id, type, idempotencyStatus: "created" | "replayed" } }; reusing a key with another body is 409
// idempotency_key_reused; a contact whose name or email matches one under the same parent, sent under another
// key, is 409 duplicate_contact (N5).
import { z } from 'zod';
import { resourceId } from '../domain/ids.ts';
import { idem } from '../idempotency.ts';
import { authedProcedure, demoLatency, router } from '../trpc.ts';

const Subject = z.object({ type: z.string().min(1).max(100), id: z.string().min(1).max(255) });

export const NoteInput = z.object({
  primarySubject: Subject,
  noteType: z.string().min(1).max(50),
  title: z.string().min(1).max(500),
  body: z.string().max(100_000),
});

export const ContactInput = z.object({
  parent: Subject,
  name: z.string().min(1).max(500),
  email: z.email().max(320).optional(),
});

export interface Created<T extends string> {
  id: string;
  type: T;
  idempotencyStatus: 'created' | 'replayed';
}

export const shelfcycleRouter = router({
  notes: router({
    create: authedProcedure
      .use(idem.idempotent({ preset: 'shelfcycle' }))
      .input(NoteInput)
      .use(demoLatency)
      .use(idem.transaction())
      .mutation(async ({ ctx, input }): Promise<Created<'note'>> => {
        const note = await ctx.tx.note.create({
          data: {
            id: resourceId('note'),
            owner: ctx.caller.id,
            subjectType: input.primarySubject.type,
            subjectId: input.primarySubject.id,
            noteType: input.noteType,
            title: input.title,
            body: input.body,
            createdAt: new Date(),
          },
        });
        ctx.idempotency.setStatus(201);
        return { id: note.id, type: 'note', idempotencyStatus: 'created' };
      }),
  }),
  contacts: router({
    create: authedProcedure
      .use(idem.idempotent({ preset: 'shelfcycle-contacts' }))
      .input(ContactInput)
      .use(demoLatency)
      .use(idem.transaction())
      .mutation(async ({ ctx, input }): Promise<Created<'contact'>> => {
        const contact = await ctx.tx.contact.create({
          data: {
            id: resourceId('contact'),
            owner: ctx.caller.id,
            parentType: input.parent.type,
            parentId: input.parent.id,
            name: input.name,
            email: input.email ?? null,
            createdAt: new Date(),
          },
        });
        ctx.idempotency.setStatus(201);
        return { id: contact.id, type: 'contact', idempotencyStatus: 'created' };
      }),
  }),
});
