// The two roles staff have: support reads; admin also releases, voids and purges.
export const STAFF_ROLES = ['admin', 'support'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
