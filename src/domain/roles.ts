/**
 * Staff roles (issue 15; contract "Operators (round 2)"). Everyone is a `customer`; `support` may
 * look, freeze, unfreeze and sign users out; `admin` may do all of that plus reversals, approvals
 * and granting roles. A route needs `support` (met by support or admin) or `admin`.
 */
export type StaffRole = 'support' | 'admin';
/** The role a staff route needs (route-needs.ts `staff`). */
export type StaffNeedRole = StaffRole;
export type Role = 'customer' | StaffRole;

export const STAFF_ROLES: readonly StaffRole[] = ['support', 'admin'];

/** The staff role named `text` (exactly, lower-case), or null: `customer` is nobody's row to grant. */
export function parseStaffRole(text: string): StaffRole | null {
  return (STAFF_ROLES as readonly string[]).includes(text) ? (text as StaffRole) : null;
}

/** True when the roles held meet `need`: admin meets everything, support meets `support`. */
export function rolesMeet(held: readonly StaffRole[], need: StaffRole): boolean {
  if (held.includes('admin')) return true;
  return need === 'support' && held.includes('support');
}

/** The roles a user shows: always `customer`, then their staff roles in a fixed order. */
export function shownRoles(held: readonly StaffRole[]): Role[] {
  return ['customer', ...STAFF_ROLES.filter((r) => held.includes(r))];
}
