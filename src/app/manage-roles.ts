/**
 * Granting and revoking staff roles (issue 15 item 1). On the server's command line (`minibank admin
 * grant|revoke`, `by` null: the only way to make the first admin) or by an admin in the console,
 * never to themselves: an admin cannot raise or drop their own roles, so one compromised admin
 * session cannot quietly entrench itself, and the last admin cannot lock the bank out by accident.
 * Each change applies at once (staff routes read roles on every request) and is audited: on the
 * admin's row (when there is one) and on the user's own timeline.
 */
import { DomainError } from '../domain/errors.js';
import { parseStaffRole, type StaffRole } from '../domain/roles.js';
import { usernameOrNull } from '../domain/username.js';
import { deleteRole, insertRole } from '../storage/repositories/role-repository.js';
import { findUserByUsername } from '../storage/repositories/user-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { UNKNOWN_CLIENT, type ClientInfo } from './security-events.js';
import type { StaffMember } from './staff-access.js';
import { recordCustomerNotice, recordStaffAction } from './staff-audit.js';

export interface RoleChange {
  username: string;
  role: string;
  /** The admin changing it, or null on the command line. */
  by: StaffMember | null;
  client?: ClientInfo;
}

/**
 * Grants (`grant` true) or revokes a role. Returns whether anything changed (granting a held role
 * or revoking one not held changes nothing and records nothing).
 * @throws DomainError invalid_request (param role / username), not_found (param username), forbidden (an admin changing their own roles).
 */
export async function changeRole(ctx: AppContext, change: RoleChange, grant: boolean): Promise<{ userId: string; role: StaffRole; changed: boolean }> {
  const role = parseStaffRole(change.role);
  if (!role) throw new DomainError('invalid_request', 'The role must be support or admin.', 'role');
  const username = usernameOrNull(change.username);
  const user = username ? await findUserByUsername(ctx.storage.db, username) : undefined;
  if (!user) throw new DomainError('not_found', 'No such user.', 'username');
  if (change.by && change.by.userId === user.id) throw new DomainError('forbidden', 'You cannot change your own roles; ask another admin.');
  const changed = await ctx.storage.writeTransaction(async (trx) => {
    const did = grant ? await insertRole(trx, user.id, role, nowMsBig(ctx), change.by?.userId ?? null) : await deleteRole(trx, user.id, role);
    if (!did) return false;
    const details = { user: user.id, username: user.username, role, via: change.by ? 'console' : 'command line' };
    if (change.by) await recordStaffAction(ctx, change.by, change.client ?? UNKNOWN_CLIENT, grant ? 'staff_granted_role' : 'staff_revoked_role', details, trx);
    await recordCustomerNotice(ctx, user.id, grant ? 'role_granted' : 'role_revoked', { role }, trx);
    return true;
  });
  return { userId: user.id, role, changed };
}
