// The admin router (@idem/admin) of the app the dashboard supports, called from the dashboard's server only: the
// admin token is added here and never leaves this process. The signed-in person, their role and their session
// travel with every call, so the app can refuse support staff's actions, refuse a signed-out session (in every
// dashboard process) and write who acted into the audit log.
import 'server-only';
import { type AdminRouter, mountedAt } from '@idem/admin/client';
import { idempotencyHeaders, idempotencyLink } from '@idem/trpc/client';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { notFound } from 'next/navigation';
import superjson from 'superjson';
import { config } from './config';
import type { Session } from './session';

export type AdminOutputs = inferRouterOutputs<AdminRouter>;
export type KeyRow = AdminOutputs['keys']['items'][number];
export type KeyPageView = AdminOutputs['keys'];
export type StoryView = AdminOutputs['story'];
export type EventView = StoryView['events'][number];
export type KeyDetail = NonNullable<StoryView['record']>;
export type Overview = AdminOutputs['overview'];
export type AuditEntryView = AdminOutputs['audit']['items'][number];
export type PurgeJobView = NonNullable<AdminOutputs['purge']['status']>;
export type KeyStateName = KeyRow['state'];

/** The admin router, acting as `staff`. */
// The app's transformer, as configured: superjson (most tRPC apps), or none.
const identity = { serialize: (v: unknown) => v, deserialize: (v: unknown) => v };

/** The admin router, acting as `staff` (or as the dashboard itself, before anyone signed in). */
export function adminApi(staff: (Pick<Session, 'user' | 'role'> & { sid?: string }) | null) {
  const { adminUrl, adminPath, adminToken, transformer } = config();
  return createTRPCClient<AdminRouter>({
    links: [
      mountedAt(adminPath),
      // The dashboard's own actions go through idem's client: one key per action, reused on every retry.
      idempotencyLink({ retry: { attempts: 3, maxDelayMs: 2_000 } }),
      httpLink({
        url: adminUrl,
        transformer: transformer === 'superjson' ? superjson : identity,
        headers: idempotencyHeaders({
          authorization: `Bearer ${adminToken}`,
          ...(staff === null
            ? {}
            : {
                'x-idem-actor': staff.user,
                'x-idem-role': staff.role,
                ...(staff.sid ? { 'x-idem-session': staff.sid } : {}),
              }),
        }),
      }),
    ],
  });
}

/** The status and message of a failed call, for showing to staff. */
export function apiError(error: unknown): { status: number | null; code: string; message: string } {
  if (error instanceof TRPCClientError) {
    const data = error.data as { httpStatus?: number; appCode?: string; code?: string } | undefined;
    if (data?.httpStatus !== undefined) {
      return { status: data.httpStatus, code: data.appCode ?? data.code ?? 'error', message: error.message };
    }
    return {
      status: null,
      code: 'api_unreachable',
      message: `The app's admin API at ${config().adminUrl} did not answer (${error.message}).`,
    };
  }
  return { status: null, code: 'error', message: error instanceof Error ? error.message : String(error) };
}

/** A key's story, by record id or identity; Next's not-found page when the API knows no such key. */
export function storyOrNotFound(
  staff: Pick<Session, 'user' | 'role' | 'sid'>,
  target:
    | { id: string }
    | { scope: string; procedure: string; kind?: 'key' | 'natural' | 'unique'; key: string },
): Promise<StoryView> {
  return adminApi(staff)
    .story.query(target)
    .catch((error: unknown) => {
      if (apiError(error).status === 404) notFound();
      throw error;
    });
}
