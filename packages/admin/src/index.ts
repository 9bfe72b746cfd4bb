// @idem/admin: the admin API support tools read (idem's dashboard, the `idem` CLI): mount createAdminRouter in
// your own tRPC router, behind your own authentication. Clients of the router take its type, the mountedAt() link
// and the roles from @idem/admin/client.
export { type AdminAccess, type Staff, tokenAccess } from './access.ts';
export { STAFF_ROLES, type StaffRole } from './roles.ts';
export type { AdminRouter } from './admin-router-type.ts';
export type { PurgeJob } from './purge.ts';
export { type AdminRouterOptions, createAdminRouter } from './router.ts';
export type { EventView, KeyDetail, KeyRow, StoredValueDecoder, StoryView } from './views.ts';
