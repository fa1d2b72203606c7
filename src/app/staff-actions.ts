/**
 * What support and admin staff may do to a customer (issue 15 item 2; contract "Operators"):
 * freeze and unfreeze an account, sign a user out everywhere. Each takes a reason (staff-reason.ts),
 * changes state and records both audit events (staff-audit.ts) in ONE transaction, so an action is
 * never without its audit and an audit never without its action.
 */
import { DomainError } from '../domain/errors.js';
import { parseReason } from '../domain/staff-reason.js';
import { deleteAllSessionsOfUser, findFoundUser, freezeUserAccount, unfreezeUserAccount } from '../storage/repositories/staff-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { isPlausibleId } from './owned-account.js';
import { revokeAllApiTokens } from './revoke-token.js';
import type { ClientInfo } from './security-events.js';
import type { StaffMember } from './staff-access.js';
import { recordCustomerNotice, recordStaffAction } from './staff-audit.js';
import { staffAccountViews, type StaffAccountView } from './staff-looks.js';

/** Who acts, from where. */
export interface StaffActor {
  staff: StaffMember;
  client: ClientInfo;
}

/**
 * Freezes (or, with `freeze` false, unfreezes) a customer's account. A frozen account neither sends
 * nor receives (the movement rules refuse it with `account_frozen`); its owner sees the reason on
 * the dashboard. Freezing a frozen account replaces the reason.
 * @throws DomainError invalid_request (param reason), not_found (param account_id), forbidden (the staff member's own account).
 */
export async function setAccountFrozen(
  ctx: AppContext,
  actor: StaffActor,
  accountId: string,
  freeze: boolean,
  uncheckedReason: unknown,
): Promise<StaffAccountView> {
  const reason = parseReason(uncheckedReason);
  if (!isPlausibleId(accountId)) throw new DomainError('not_found', 'No such account.', 'account_id');
  const account = await ctx.storage.writeTransaction(async (trx) => {
    const changed = freeze ? await freezeUserAccount(trx, accountId, reason, nowMsBig(ctx)) : await unfreezeUserAccount(trx, accountId);
    if (!changed || !changed.user_id) throw new DomainError('not_found', 'No such account.', 'account_id');
    // Thrown inside the transaction, so the change rolls back: staff frozen by a colleague must not unfreeze themselves.
    if (changed.user_id === actor.staff.userId) throw new DomainError('forbidden', 'Staff cannot freeze or unfreeze their own account.', 'account_id');
    const target = { account: changed.number, user: changed.user_id, reason };
    await recordStaffAction(ctx, actor.staff, actor.client, freeze ? 'staff_froze_account' : 'staff_unfroze_account', target, trx);
    await recordCustomerNotice(
      ctx,
      changed.user_id,
      freeze ? 'account_frozen_by_staff' : 'account_unfrozen_by_staff',
      { account: changed.number, reason },
      trx,
    );
    return changed;
  });
  const [view] = await staffAccountViews(ctx, [account]);
  return view!;
}

/**
 * Signs a user out everywhere: every web session is deleted and every API token revoked, at once
 * (each request reads its session or token row). Returns how many of each ended.
 * @throws DomainError invalid_request (param reason), not_found (param user_id).
 */
export async function signOutUserEverywhere(
  ctx: AppContext,
  actor: StaffActor,
  userId: string,
  uncheckedReason: unknown,
): Promise<{ sessions: number; tokens: number }> {
  const reason = parseReason(uncheckedReason);
  const user = isPlausibleId(userId) ? await findFoundUser(ctx.storage.db, userId) : undefined;
  if (!user) throw new DomainError('not_found', 'No such user.', 'user_id');
  return ctx.storage.writeTransaction(async (trx) => {
    const sessions = await deleteAllSessionsOfUser(trx, user.id);
    const tokens = await revokeAllApiTokens(ctx, trx, user.id);
    await recordStaffAction(ctx, actor.staff, actor.client, 'staff_signed_out_user', { user: user.id, sessions, tokens, reason }, trx);
    await recordCustomerNotice(ctx, user.id, 'signed_out_by_staff', { reason }, trx);
    return { sessions, tokens };
  });
}
