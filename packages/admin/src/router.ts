// The admin router (SPEC D1–D8): what support tools (idem's dashboard, the `idem` CLI) ask of an idempotency
// store, mounted in the host app's own tRPC router, behind the host's own authentication (`access`). Reads need
// a staff member; actions need the admin role, are idempotent through idem itself (a form or command sent twice
// acts once), and are written to the audit log with who, what, when, and the key before and after.
import { type Engine, type IdempotencyStore, type KeyRef, type Redactor, defaultRedactor } from '@idem/core';
import {
  adminOf,
  describeRef,
  type IdempotencyAdmin,
  type KeyState,
  REQUEST_DECISIONS,
  type RequestSearch,
  type TextMatch,
} from '@idem/core/admin';
import { createIdempotency } from '@idem/trpc';
import type { TRPCRootObject } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { AdminAccess, Staff } from './access.ts';
import {
  callerIds,
  type Directory,
  EMPTY_DIRECTORY,
  fieldMatches,
  procedurePaths,
  statusRange,
} from './names.ts';
import { purgeJob, startPurge } from './purge.ts';
import {
  duplicateGroupView,
  eventView,
  keyedFingerprints,
  keyRow,
  requestDetail,
  requestRow,
  type StoredValueDecoder,
  storyView,
} from './views.ts';

export interface AdminRouterOptions<TCtx> {
  /** The engine, or how to find it in the context. */
  engine: Engine | ((ctx: TCtx) => Engine);
  /**
   * Who is asking, as your app authenticated them: null refuses the request (401). See tokenAccess() for a
   * dashboard or CLI that holds a shared token.
   */
  access: (ctx: TCtx) => AdminAccess | null;
  /**
   * A secret staff see fingerprints keyed with (HMAC): a plain SHA-256 of a request would let anyone who sees it
   * test guesses of a redacted password offline. Required; never sent to a browser.
   */
  fingerprintSecret: string | ((ctx: TCtx) => string);
  /** Removes secrets from what staff see (default: the engine's default redactor). */
  redactor?: Redactor;
  /** How stored values were encoded (the transformer given to createIdempotency, superjson say). */
  storedValues?: StoredValueDecoder;
  /**
   * The names staff and customers know your callers by, by caller id (the scope): an account name, an API key's
   * label. Searches for a caller match them; views show them.
   *
   * @example
   * callers: async () => Object.fromEntries((await db.apiKey.findMany()).map((k) => [k.ownerId, `${k.owner} (${k.label})`]))
   */
  callers?: (ctx: TCtx) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  /**
   * The names users know your procedures by, by procedure path: REST routes (`POST /v1/usage`), a product or preset
   * name. A search for a route or procedure matches them as well as the paths themselves.
   */
  procedures?: (
    ctx: TCtx,
  ) => Readonly<Record<string, readonly string[]>> | Promise<Readonly<Record<string, readonly string[]>>>;
  /**
   * How far back possible duplicates are looked for when the dashboard does not say (default 24 h): the window in
   * which the same payload under two keys is taken for a retry that minted a new key (D6).
   */
  duplicateWindowMs?: number;
}

/** Optional text filter: empty means "not filtered", so a form can send every field. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const cursor = z.string().max(100).optional();
const limit = z.number().int().min(1).max(200).optional();

/** What staff type to find things by (D1): every field optional, names resolved through the host's directory. */
const FindFields = {
  /** A key, request id or natural id as the customer quotes it. */
  q: text(10_000),
  /** `exact` (default: exact, then keys containing it when nothing is exact) or `contains`. */
  match: z.enum(['exact', 'contains']).optional(),
  /** A caller by id, name or API key label. */
  caller: text(500),
  /** A route or procedure by the names users see: `POST /v1/usage`, `notes`, a product or preset name. */
  route: text(500),
  /** `409`, `4xx`, `500-599`. */
  status: text(20),
  /** Payload fields: `order_id = ord_1`, several separated by `;`. */
  field: text(2000),
  /** Count the matches (exactly up to 10,000, then estimated). */
  count: z.boolean().optional(),
};

export const KeySearchInput = z.object({
  ...FindFields,
  key: text(10_000),
  keyPrefix: text(10_000),
  scope: text(500),
  procedure: text(500),
  kind: z.enum(['key', 'natural', 'unique']).optional(),
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

export const RequestSearchInput = z.object({
  ...FindFields,
  decision: z.enum(REQUEST_DECISIONS).optional(),
  kind: z.enum(['key', 'natural', 'unique']).optional(),
  keyId: z.string().max(100).optional(),
  from: z.number().finite().optional(),
  to: z.number().finite().optional(),
  order: z.enum(['newest', 'oldest']).optional(),
  cursor,
  limit,
});

const KeyRefInput = z.object({
  scope: z.string().min(1).max(500),
  procedure: z.string().min(1).max(500),
  kind: z.enum(['key', 'natural', 'unique']).default('key'),
  key: z.string().min(1).max(10_000),
});

const StoryInput = z.union([z.object({ id: z.string().min(1).max(100) }), KeyRefInput]);

/** Failed logins are counted per (user name, client address), and per address: a stranger cannot lock staff out. */
const LOGIN_WINDOW_MS = 15 * 60 * 1000;
const LOGIN_FAILURES_PER_USER_AND_ADDRESS = 5;
const LOGIN_FAILURES_PER_ADDRESS = 50;
/** A signed-out session is refused for as long as any session may live. */
const SESSION_MS = 8 * 60 * 60 * 1000;

function refuse(status: 400 | 401 | 403 | 404 | 409 | 501, code: string, message: string): TRPCError {
  const trpcCode = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    409: 'CONFLICT',
    501: 'NOT_IMPLEMENTED',
  } as const;
  return new TRPCError({
    code: trpcCode[status],
    message,
    cause: Object.assign(new Error(message), { code, status }),
  });
}

/**
 * The admin router for a host app's tRPC root. Mount it where your dashboard and CLI will find it (they are
 * configured with the path, `idemAdmin` by default).
 *
 * @example
 * const t = initTRPC.context<Ctx>().create({ transformer: superjson });
 * export const appRouter = t.router({
 *   …your procedures,
 *   idemAdmin: createAdminRouter(t, {
 *     engine,
 *     access: tokenAccess({ token: process.env.IDEM_ADMIN_TOKEN! }),
 *     fingerprintSecret: process.env.IDEM_ADMIN_TOKEN!,
 *     storedValues: superjson,
 *   }),
 * });
 */
export function createAdminRouter<TCtx extends object, TMeta extends object>(
  // biome-ignore lint/suspicious/noExplicitAny: any options and root types: the router only uses t's builders
  t: TRPCRootObject<TCtx, TMeta, any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  options: AdminRouterOptions<TCtx>,
) {
  const engineOf = typeof options.engine === 'function' ? options.engine : () => options.engine as Engine;
  const redact = options.redactor ?? defaultRedactor;
  const secret = options.fingerprintSecret;
  const keyed = new Map<string, ReturnType<typeof keyedFingerprints>>();
  const shownFor = (ctx: TCtx) => {
    const value = typeof secret === 'function' ? secret(ctx) : secret;
    let shown = keyed.get(value);
    if (shown === undefined) {
      shown = keyedFingerprints(value);
      if (keyed.size < 16) keyed.set(value, shown);
    }
    return shown;
  };
  const decoder = options.storedValues;

  const adminFor = (engine: Engine<IdempotencyStore>): IdempotencyAdmin => {
    const admin = adminOf(engine.store);
    if (admin === undefined)
      throw refuse(501, 'admin_unsupported', `The ${engine.store.kind} store answers no admin queries.`);
    return admin;
  };

  /** A trusted caller (the dashboard's server before anyone signed in): 401 without access. */
  const serviceProcedure = t.procedure.use(async function idemAdminService({ ctx, next }) {
    const access = options.access(ctx as unknown as TCtx);
    if (access === null) throw refuse(401, 'admin_unauthorized', 'The admin API refused these credentials.');
    const engine = engineOf(ctx as unknown as TCtx);
    return next({ ctx: { idemAdmin: adminFor(engine), idemEngine: engine, idemAccess: access } });
  });

  /** A signed-in staff member, in a session not signed out: 401 otherwise. */
  const staffProcedure = serviceProcedure.use(async function idemAdminStaff({ ctx, next }) {
    const { staff, session } = ctx.idemAccess;
    if (staff === null)
      throw refuse(401, 'staff_unknown', 'Name the person acting and their role (admin or support).');
    if (session !== undefined && (await ctx.idemAdmin.counted(`signout:${session}`)) > 0)
      throw refuse(401, 'session_ended', 'This session was signed out.');
    return next({ ctx: { idemStaff: staff } });
  });

  /** An action: admins only (403 for support, who may only read). */
  const actionProcedure = staffProcedure.use(function idemAdminOnly({ ctx, next }) {
    if (ctx.idemStaff.role !== 'admin')
      throw refuse(403, 'admin_role_required', 'Only the admin role may act; the support role is read-only.');
    return next();
  });

  // Staff actions are idempotent through idem itself: the dashboard mints one key per action (a form renders with
  // it) and its client reuses it on every retry and resubmission. Keys belong to the person acting.
  const staffIdempotency = createIdempotency(t, {
    engine: (ctx) => engineOf(ctx),
    // Staff actions are not the app's traffic: they stay out of the request log the overview counts.
    requestLog: false,
    scope: (ctx) => {
      const access = options.access(ctx);
      return access?.staff ? `staff:${access.staff.actor}` : null;
    },
  });
  // Typed for the host's context; the action procedures extend it (TypeScript cannot follow that generically).
  const once = staffIdempotency.idempotent({ name: 'staff-action' }) as unknown as Parameters<
    typeof actionProcedure.use
  >[0];

  const audited = async (
    admin: IdempotencyAdmin,
    staff: Staff,
    action: string,
    ref: KeyRef,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
  ) =>
    admin.appendAudit({
      actor: staff.actor,
      role: staff.role,
      action,
      target: describeRef(ref),
      before: JSON.parse(JSON.stringify(before)),
      after: JSON.parse(JSON.stringify(after)),
    });

  /** The host's names for its callers and procedures. */
  const directoryOf = async (ctx: TCtx): Promise<Directory> => {
    const [callers, procedures] = await Promise.all([options.callers?.(ctx), options.procedures?.(ctx)]);
    return {
      callers: callers ?? EMPTY_DIRECTORY.callers,
      procedures: procedures ?? EMPTY_DIRECTORY.procedures,
    };
  };

  type Find = z.infer<z.ZodObject<typeof FindFields>>;
  /** What staff typed, as store filters; the names resolved are returned so the screen can say what was searched. */
  const resolveFind = async (admin: IdempotencyAdmin, directory: Directory, input: Find) => {
    const filters: {
      scopes?: string[];
      procedures?: string[];
      route?: string;
      statusFrom?: number;
      statusTo?: number;
      fields?: { name: string; value: string }[];
    } = {};
    if (input.caller !== undefined) filters.scopes = callerIds(input.caller, directory);
    if (input.route !== undefined) {
      const paths = procedurePaths(input.route, directory, await admin.procedures());
      // A route nobody named (no directory): taken as the route requests came in by, `POST /x` or `/x`.
      if (paths.length === 1 && /^(?:[A-Za-z]+\s+)?\//.test(input.route.trim()))
        filters.route = /^\//.test(input.route.trim()) ? `POST ${input.route.trim()}` : input.route.trim();
      else filters.procedures = paths;
    }
    if (input.status !== undefined) {
      const range = statusRange(input.status);
      if (range === undefined)
        throw refuse(400, 'bad_status', `"${input.status}" is not a status: use 409, 4xx or 500-599.`);
      filters.statusFrom = range.from;
      filters.statusTo = range.to;
    }
    if (input.field !== undefined) {
      const fields = fieldMatches(input.field);
      if (fields === undefined)
        throw refuse(400, 'bad_field', `"${input.field}" is not field = value (several separated by ;).`);
      filters.fields = fields;
    }
    return filters;
  };

  /**
   * Runs a search by free text exactly first; when nothing matches exactly (and staff did not choose), again for
   * keys and natural ids containing it. Says which matched.
   */
  async function byText<P extends { items: readonly unknown[] }>(
    input: { q?: string | undefined; match?: TextMatch | undefined; cursor?: string | undefined },
    search: (text: { text?: string; textMatch?: TextMatch }) => Promise<P>,
  ): Promise<P & { matched: TextMatch | null }> {
    const q = input.q?.trim();
    if (q === undefined || q === '') return { ...(await search({})), matched: null };
    const first = input.match ?? 'exact';
    const page = await search({ text: q, textMatch: first });
    if (page.items.length > 0 || input.match !== undefined || input.cursor !== undefined)
      return { ...page, matched: first };
    return { ...(await search({ text: q, textMatch: 'contains' })), matched: 'contains' };
  }

  return t.router({
    /** Who the API thinks is asking, and on which store. */
    whoami: staffProcedure.query(({ ctx }) => ({ ...ctx.idemStaff, store: ctx.idemEngine.store.kind })),

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
      .query(async ({ ctx, input }) => {
        const query = input ?? {};
        const windowMs = query.windowMs ?? 24 * 3_600_000;
        // Requests and decisions (one per request, from the request log) next to the key counts; possible
        // duplicates over the same window.
        const [stats, requests, payload, natural] = await Promise.all([
          ctx.idemAdmin.stats(query),
          ctx.idemAdmin.requestStats(query),
          ctx.idemAdmin.duplicates({ kind: 'payload', windowMs, limit: 1, count: true }),
          ctx.idemAdmin.duplicates({ kind: 'natural', windowMs, limit: 1, count: true }),
        ]);
        return {
          ...stats,
          requests,
          possibleDuplicates: { payload: payload.total ?? 0, natural: natural.total ?? 0, windowMs },
        };
      }),

    /** D1: keys by key, prefix, caller, procedure, kind, state, natural id and creation time; cursor paged. */
    keys: staffProcedure.input(KeySearchInput).query(async ({ ctx, input }) => {
      const directory = await directoryOf(ctx as unknown as TCtx);
      const { route: _route, ...filters } = await resolveFind(ctx.idemAdmin, directory, input);
      const { q: _q, match: _match, caller: _caller, route: _r, status: _s, field: _f, ...rest } = input;
      const page = await byText(input, (text) => ctx.idemAdmin.searchKeys({ ...rest, ...filters, ...text }));
      return {
        items: page.items.map((r) => ({
          ...keyRow(r, page.now),
          caller: directory.callers[r.scope] ?? null,
        })),
        nextCursor: page.nextCursor,
        now: page.now,
        total: page.total ?? null,
        matched: page.matched,
        resolved: { callers: filters.scopes ?? null, procedures: filters.procedures ?? null },
      };
    }),

    /**
     * D1/D7: requests as they were answered, found by request id, key, natural id, route, caller, status, decision,
     * time and payload field; newest first, cursor paged, counted.
     */
    requests: staffProcedure.input(RequestSearchInput).query(async ({ ctx, input }) => {
      const directory = await directoryOf(ctx as unknown as TCtx);
      const filters = await resolveFind(ctx.idemAdmin, directory, input);
      const query: RequestSearch = {
        ...filters,
        ...(input.decision ? { decisions: [input.decision] } : {}),
        ...(input.kind ? { kind: input.kind } : {}),
        ...(input.keyId ? { keyId: input.keyId } : {}),
        ...(input.from !== undefined ? { from: input.from } : {}),
        ...(input.to !== undefined ? { to: input.to } : {}),
        ...(input.order ? { order: input.order } : {}),
        ...(input.cursor ? { cursor: input.cursor } : {}),
        ...(input.limit ? { limit: input.limit } : {}),
        ...(input.count ? { count: true } : {}),
      };
      const page = await byText(input, (text) => ctx.idemAdmin.searchRequests({ ...query, ...text }));
      return {
        items: page.items.map((r) => requestRow(r, directory.callers)),
        nextCursor: page.nextCursor,
        now: page.now,
        total: page.total,
        matched: page.matched,
        resolved: {
          callers: filters.scopes ?? null,
          procedures: filters.procedures ?? null,
          route: filters.route ?? null,
        },
      };
    }),

    /** D7: one logged request in full: the request as received (redacted) and the answer exactly as sent. */
    request: staffProcedure
      .input(z.object({ id: z.string().min(1).max(100) }))
      .query(async ({ ctx, input }) => {
        const [found] = (await ctx.idemAdmin.searchRequests({ id: input.id, limit: 1 })).items;
        if (found === undefined)
          throw refuse(404, 'request_not_found', 'No request is logged under that id.');
        const directory = await directoryOf(ctx as unknown as TCtx);
        return requestDetail(found, shownFor(ctx as unknown as TCtx), redact, directory.callers);
      }),

    /**
     * D6: possible duplicates within a window: the same caller and procedure with the same payload under different
     * keys (or none), and natural keys seen again; groups newest first, each request linked.
     */
    duplicates: staffProcedure
      .input(
        z.object({
          kind: z.enum(['payload', 'natural']),
          windowMs: z
            .number()
            .int()
            .min(60_000)
            .max(31 * 24 * 3_600_000)
            .optional(),
          cursor,
          limit,
        }),
      )
      .query(async ({ ctx, input }) => {
        const page = await ctx.idemAdmin.duplicates({
          kind: input.kind,
          windowMs: input.windowMs ?? options.duplicateWindowMs ?? 24 * 3_600_000,
          ...(input.cursor ? { cursor: input.cursor } : {}),
          ...(input.limit ? { limit: input.limit } : {}),
          count: input.cursor === undefined,
        });
        const directory = await directoryOf(ctx as unknown as TCtx);
        const shown = shownFor(ctx as unknown as TCtx);
        return {
          items: page.items.map((g) => duplicateGroupView(g, shown, directory.callers)),
          nextCursor: page.nextCursor,
          now: page.now,
          from: page.from,
          total: page.total,
        };
      }),

    /** The names the host app knows its callers and procedures by, and the procedures the store has seen. */
    directory: staffProcedure.query(async ({ ctx }) => {
      const directory = await directoryOf(ctx as unknown as TCtx);
      const known = await ctx.idemAdmin.procedures();
      const paths = [...new Set([...Object.keys(directory.procedures), ...known])].sort();
      return {
        callers: Object.entries(directory.callers).map(([id, name]) => ({ id, name })),
        procedures: paths.map((path) => ({ path, names: [...(directory.procedures[path] ?? [])] })),
      };
    }),

    /** D2: a key's story, by record id or by identity (for keys that are gone but whose events remain). */
    story: staffProcedure.input(StoryInput).query(async ({ ctx, input }) => {
      const story = await ctx.idemAdmin.keyStory('id' in input ? { id: input.id } : { ref: input });
      if (story === undefined)
        throw refuse(404, 'key_not_found', 'No key and no event is known under that name.');
      const shown = shownFor(ctx as unknown as TCtx);
      const directory = await directoryOf(ctx as unknown as TCtx);
      // D7: what each client got, from the request log: the requests its events name.
      const requestIds = [
        ...new Set(story.events.map((e) => e.requestId).filter((id): id is string => id !== null)),
      ].slice(0, 200);
      const requests =
        requestIds.length === 0
          ? []
          : (
              await ctx.idemAdmin.searchRequests({
                requestIds,
                scopes: [story.ref.scope],
                procedures: [story.ref.procedure],
                limit: 200,
              })
            ).items;
      return {
        ...storyView(story, shown, redact, decoder),
        caller: directory.callers[story.ref.scope] ?? null,
        requests: requests.map((r) => requestDetail(r, shown, redact, directory.callers)),
      };
    }),

    /** D3: conflicts, or natural duplicates, newest first. */
    incidents: staffProcedure
      .input(z.object({ kind: z.enum(['conflicts', 'natural']), cursor, limit }))
      .query(async ({ ctx, input }) => {
        const page = await ctx.idemAdmin.incidents(input);
        const shown = shownFor(ctx as unknown as TCtx);
        return {
          items: page.items.map((e) => eventView(e, shown, redact)),
          nextCursor: page.nextCursor,
          now: page.now,
        };
      }),

    /** D5: every action staff took, newest first. */
    audit: staffProcedure
      .input(z.object({ cursor, limit }).optional())
      .query(({ ctx, input }) => ctx.idemAdmin.listAudit(input ?? {})),

    /** D5: ends an in-flight key whatever its lease, so a retry runs fresh; the holder's outcome is then refused. */
    release: actionProcedure
      .use(once)
      .input(KeyRefInput)
      .mutation(async ({ ctx, input }) => {
        const ref: KeyRef = input;
        const before = await ctx.idemEngine.release(ref, ctx.idemStaff.actor);
        if (before === undefined)
          throw refuse(
            409,
            'key_not_in_flight',
            'This key is not in flight (it completed, or is gone): nothing to release.',
          );
        const row = keyRow(before, await ctx.idemEngine.store.now());
        await audited(
          ctx.idemAdmin,
          ctx.idemStaff,
          'key.release',
          ref,
          {
            id: row.id,
            state: row.state,
            fence: row.fence,
            leaseOwner: row.leaseOwner,
            leaseExpiresAt: row.leaseExpiresAt === null ? null : new Date(row.leaseExpiresAt).toISOString(),
            requestId: row.requestId,
          },
          { state: 'released', record: null },
        );
        return { released: row };
      }),

    /**
     * D8: voids a completed or failed key, with a reason, so the customer's retry under the same key runs fresh
     * (a stored 500 would otherwise replay for its whole retention).
     */
    void: actionProcedure
      .use(once)
      .input(KeyRefInput.extend({ reason: z.string().trim().min(3).max(500) }))
      .mutation(async ({ ctx, input }) => {
        const { reason, ...ref } = input;
        const current = await ctx.idemEngine.store.get(ref);
        if (current === undefined)
          throw refuse(404, 'key_not_found', 'No key is stored under that name: nothing to void.');
        if (current.status === 'in_flight')
          throw refuse(
            409,
            'key_in_flight',
            'This key is still in flight: release it instead, or wait for its outcome.',
          );
        const before = await ctx.idemEngine.void(ref, ctx.idemStaff.actor, reason);
        if (before === undefined)
          throw refuse(404, 'key_not_found', 'The key went while it was being voided.');
        const row = keyRow(before, await ctx.idemEngine.store.now());
        await audited(
          ctx.idemAdmin,
          ctx.idemStaff,
          'key.void',
          ref,
          {
            id: row.id,
            state: row.state,
            outcomeStatus: row.outcomeStatus,
            requestId: row.requestId,
          },
          { state: 'voided', record: null, reason },
        );
        return { voided: row };
      }),

    purge: t.router({
      /** D5: starts purging expired keys (or joins the purge running in any process); poll `status` for progress. */
      start: actionProcedure
        .use(once)
        .mutation(({ ctx }) => startPurge(ctx.idemEngine, ctx.idemAdmin, ctx.idemStaff)),
      /** The purge with this id, or the latest one; null when there is none. */
      status: staffProcedure
        .input(z.object({ id: z.string().max(100).optional() }).optional())
        .query(({ ctx, input }) => purgeJob(ctx.idemAdmin, input?.id)),
    }),

    session: t.router({
      /** Ends a dashboard session in every process: the router refuses it from now on. */
      end: serviceProcedure
        .input(z.object({ session: z.string().min(8).max(200) }))
        .mutation(async ({ ctx, input }) => {
          await ctx.idemAdmin.count(`signout:${input.session}`, SESSION_MS);
          return { ended: true };
        }),
    }),

    login: t.router({
      /**
       * Whether a login may be tried for this user from this address: locked after five failures of that pair, or
       * fifty from that address, within a quarter hour. A stranger guessing elsewhere never locks staff out.
       */
      allowed: serviceProcedure
        .input(z.object({ user: z.string().max(200), address: z.string().max(100) }))
        .query(async ({ ctx, input }) => {
          const pair = await ctx.idemAdmin.counted(`login:${input.address}:${input.user}`);
          const address = await ctx.idemAdmin.counted(`login:${input.address}`);
          return {
            allowed: pair < LOGIN_FAILURES_PER_USER_AND_ADDRESS && address < LOGIN_FAILURES_PER_ADDRESS,
          };
        }),
      /** Records a failed login. */
      failed: serviceProcedure
        .input(z.object({ user: z.string().max(200), address: z.string().max(100) }))
        .mutation(async ({ ctx, input }) => {
          await ctx.idemAdmin.count(`login:${input.address}:${input.user}`, LOGIN_WINDOW_MS);
          await ctx.idemAdmin.count(`login:${input.address}`, LOGIN_WINDOW_MS);
          return { recorded: true };
        }),
      /** Clears the failures of a pair after a successful login. */
      succeeded: serviceProcedure
        .input(z.object({ user: z.string().max(200), address: z.string().max(100) }))
        .mutation(async ({ ctx, input }) => {
          await ctx.idemAdmin.forget(`login:${input.address}:${input.user}`);
          return { cleared: true };
        }),
    }),
  });
}
