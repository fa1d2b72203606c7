/**
 * Who may use a staff route (issue 15; contract "Operators (round 2)"): the role the route needs,
 * held now (read afresh on every request, so a grant or revoke applies to existing sessions and
 * tokens at once), and a second factor on (staff must have one). One query per staff request
 * (role-repository.ts staffAccessOf); customer routes never pay for it.
 */
import { DomainError } from '../domain/errors.js';
import { rolesMeet, type StaffNeedRole, type StaffRole } from '../domain/roles.js';
import { staffAccessOf } from '../storage/repositories/role-repository.js';
import type { AppContext } from './context.js';

/** A staff member acting through a staff route, as the audit records them. */
export interface StaffMember {
  userId: string;
  username: string;
  roles: StaffRole[];
}

export const NEEDS_SECOND_FACTOR_MESSAGE = 'Staff must use a second factor: turn on an authenticator app or add a passkey in your settings, then try again.';

/**
 * The staff member behind `user` when they hold a role meeting `need` and have a second factor on.
 * @throws DomainError forbidden (403): a customer, staff without the role, or staff without a second factor (saying so).
 */
export async function requireStaff(ctx: AppContext, user: { userId: string; username: string }, need: StaffNeedRole): Promise<StaffMember> {
  const access = await staffAccessOf(ctx.storage.db, user.userId);
  if (!rolesMeet(access.roles, need)) {
    throw new DomainError('forbidden', need === 'admin' ? 'This needs an admin of the bank.' : 'This is for bank staff only.');
  }
  if (!access.secondFactor) throw new DomainError('forbidden', NEEDS_SECOND_FACTOR_MESSAGE);
  return { userId: user.userId, username: user.username, roles: access.roles };
}
