// @idem/admin/client: what a client of the admin router needs (the dashboard, the CLI, your own tools), without
// loading the router itself, tRPC's server or zod at run time.
export type { AdminRouter } from './admin-router-type.ts';
export { mountedAt } from './mounted-at.ts';
export { STAFF_ROLES, type StaffRole } from './roles.ts';
