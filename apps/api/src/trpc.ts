// The API's tRPC instance: context, transformer, error formatter and the base procedures.
import type { Engine, TransactionalStore } from '@idem/core';
import { exchangeOf } from '@idem/trpc';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import type { Caller } from './auth.ts';
import type { DomainClient, DomainTx } from './db/domain.ts';
import { describeError } from './error-view.ts';
import { fail } from './errors.ts';
import { inputShapeProblem, SHAPE_REFUSALS } from './http/depth.ts';

export interface Context {
  caller: Caller | null;
  db: DomainClient;
  /** On the domain's own Prisma client: idem.transaction() hands procedures its transaction client. */
  engine: Engine<TransactionalStore<DomainTx>>;
  /** Demo mode only: extra processing time a request asks for (header x-demo-delay-ms), to show in-flight keys. */
  demoDelayMs: number;
  /** The admin router's credential (IDEM_ADMIN_TOKEN), compared with the request's bearer token. */
  adminToken: string;
  /** What support staff call each caller (see ApiConfig.callerNames). */
  callerNames: Readonly<Record<string, string>>;
}

export const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error, ctx }) {
    const view = describeError(error, exchangeOf(ctx)?.requestId ?? null);
    // tRPC adds the stack trace unless NODE_ENV is production; callers never get server paths, in any mode.
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      message: view.message,
      data: {
        ...data,
        httpStatus: view.status,
        appCode: view.code,
        requestId: view.requestId,
        ...(view.idempotency ? { idempotency: view.idempotency } : {}),
        ...(view.details ? { details: view.details } : {}),
      },
    };
  },
});

export const router = t.router;

/** Every procedure refuses input too deep or too large to walk, or with control characters, before anything walks it. */
export const publicProcedure = t.procedure.use(async function inputShape({ getRawInput, next }) {
  const problem = inputShapeProblem(await getRawInput());
  if (problem !== null) {
    const { status, code, message } = SHAPE_REFUSALS[problem];
    throw fail(status, code, message);
  }
  return next();
});

/** A procedure that needs an authenticated caller: 401 without one. */
export const authedProcedure = publicProcedure.use(function authenticated({ ctx, next }) {
  if (ctx.caller === null) {
    throw fail(
      401,
      'unauthorized',
      'Missing or unknown API key: send it as x-api-key, Authorization: Bearer or Authorization: ApiKey.',
    );
  }
  return next({ ctx: { caller: ctx.caller } });
});

/**
 * Demo mode: holds the request for the time it asked for (header x-demo-delay-ms, at most 10 s) after its key
 * is claimed and before its transaction opens, so a person with curl, or a test, can watch a key stay in
 * flight and see duplicates refused, serialised or waiting. Zero outside demo mode.
 */
export const demoLatency = t.middleware(async function demoLatency({ ctx, next }) {
  if (ctx.demoDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, ctx.demoDelayMs));
  return next();
});
