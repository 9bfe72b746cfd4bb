// The idem API's admin router, called from the dashboard's server only: the admin token is added here and
// never leaves this process. The signed-in person and their role travel with every call, so the API can
// refuse support staff's actions and write who acted into the audit log.
import 'server-only';
import type { AppRouter } from '@idem/api';
import { idempotencyHeaders, idempotencyLink } from '@idem/trpc/client';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { notFound } from 'next/navigation';
import superjson from 'superjson';
import { config } from './config';
import type { Session } from './session';

export type AdminOutputs = inferRouterOutputs<AppRouter>['admin'];
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
export function adminApi(staff: Pick<Session, 'user' | 'role'>) {
  const { apiUrl, adminToken } = config();
  return createTRPCClient<AppRouter>({
    links: [
      // The dashboard's own actions go through idem's client: one key per action, reused on every retry.
      idempotencyLink({ retry: { attempts: 3, maxDelayMs: 2_000 } }),
      httpLink({
        url: `${apiUrl}/trpc`,
        transformer: superjson,
        headers: idempotencyHeaders({
          authorization: `Bearer ${adminToken}`,
          'x-idem-actor': staff.user,
          'x-idem-role': staff.role,
        }),
      }),
    ],
  }).admin;
}

/** The API's stable error code and message of a failed call, for showing to staff. */
export function apiError(error: unknown): { status: number | null; code: string; message: string } {
  if (error instanceof TRPCClientError) {
    const data = error.data as { httpStatus?: number; appCode?: string } | undefined;
    if (data?.httpStatus !== undefined) {
      return { status: data.httpStatus, code: data.appCode ?? 'error', message: error.message };
    }
    return {
      status: null,
      code: 'api_unreachable',
      message: `The idem API at ${config().apiUrl} did not answer (${error.message}).`,
    };
  }
  return { status: null, code: 'error', message: error instanceof Error ? error.message : String(error) };
}

/** A key's story, by record id or identity; Next's not-found page when the API knows no such key. */
export function storyOrNotFound(
  staff: Pick<Session, 'user' | 'role'>,
  target: { id: string } | { scope: string; procedure: string; key: string },
): Promise<StoryView> {
  return adminApi(staff)
    .story.query(target)
    .catch((error: unknown) => {
      if (apiError(error).status === 404) notFound();
      throw error;
    });
}
