// The API's tRPC instance: context, transformer, error formatter and the two base procedures.
import { initTRPC } from '@trpc/server';
import type { Engine } from '@idem/core';
import type { HttpExchange } from '@idem/trpc';
import superjson from 'superjson';
import type { Caller } from './auth.ts';
import type { DomainClient } from './db.ts';
import { fail } from './errors.ts';
import { describeError } from './error-view.ts';
import { inputShapeProblem, SHAPE_REFUSALS } from './http/depth.ts';

export interface Context {
  caller: Caller | null;
  http: HttpExchange;
  db: DomainClient;
  engine: Engine;
  /** Demo mode only: extra processing time a request asks for (header x-demo-delay-ms), to show in-flight keys. */
  demoDelayMs: number;
  /** The admin router's credential (IDEM_ADMIN_TOKEN), compared with the request's bearer token. */
  adminToken: string;
}

export const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error, ctx }) {
    const view = describeError(error, ctx?.http.requestId ?? null);
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

/** Every procedure refuses input too deep or too large to walk before anything walks it (see http/depth.ts). */
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
      'Missing or unknown API key: send it as x-api-key or Authorization: Bearer.',
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
