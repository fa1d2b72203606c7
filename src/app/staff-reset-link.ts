/**
 * A password reset link issued by support staff (issue 18 item 4), for a customer without email
 * whom they verified by other means (a call back, an ID check at a branch). The link is returned
 * once, to be shown once to the staff member and passed on; only its hash is stored. It works for
 * STAFF_RESET_MINUTES (an hour), once, and ends every older link of the customer (as any newer link
 * does). A second factor on the account is still asked for when it is used.
 *
 * Audited in the same transaction: on the staff member's row (with the customer and the reason),
 * and on the customer's own timeline as "bank staff" (plus a staff-action notice, so a customer who
 * did not ask hears of it at once).
 */
import { DomainError } from '../domain/errors.js';
import { parseReason } from '../domain/staff-reason.js';
import { endOpenResets, insertPasswordReset, lockUserForReset } from '../storage/repositories/password-reset-repository.js';
import { staffAccessOf } from '../storage/repositories/role-repository.js';
import { findUserById } from '../storage/repositories/user-repository.js';
import type { AppContext } from './context.js';
import { isPlausibleId } from './owned-account.js';
import { confirmedAddress } from './password-reset-mail.js';
import { newResetToken, STAFF_RESET_MINUTES } from './password-reset-token.js';
import type { StaffActor } from './staff-actions.js';
import { recordCustomerNotice, recordStaffAction } from './staff-audit.js';
import { notifyUser } from './notify.js';

export interface StaffResetLink {
  /** The link (PUBLIC_URL + /reset-password?token=…): shown once, never stored. */
  link: string;
  username: string;
  expiresAtMs: number;
}

/**
 * Issues a one-time reset link for `userId`.
 * @throws DomainError invalid_request (param reason), not_found (param user_id), forbidden for
 *   the staff member's own account or any staff member's (they use the ordinary ways, which ask for their own proofs).
 */
export async function issueStaffResetLink(ctx: AppContext, actor: StaffActor, userId: string, uncheckedReason: unknown): Promise<StaffResetLink> {
  const reason = parseReason(uncheckedReason);
  if (!isPlausibleId(userId)) throw new DomainError('not_found', 'No such user.', 'user_id');
  if (userId === actor.staff.userId) throw new DomainError('forbidden', 'Staff cannot issue a reset link for their own account.', 'user_id');
  const fresh = newResetToken(ctx);
  return ctx.storage.writeTransaction(async (trx) => {
    await lockUserForReset(trx, ctx.storage.dialect, userId);
    const user = await findUserById(trx, userId);
    if (!user) throw new DomainError('not_found', 'No such user.', 'user_id');
    // Console links are for customers: a support user must not be able to take over (or sign out) an admin.
    if ((await staffAccessOf(trx, userId)).roles.length > 0) {
      throw new DomainError('forbidden', 'Reset links from the console are for customers; staff reset their password by email.', 'user_id');
    }
    const nowMs = ctx.clock.nowMs();
    const expiresAtMs = nowMs + STAFF_RESET_MINUTES * 60_000;
    await endOpenResets(trx, userId, BigInt(nowMs));
    await insertPasswordReset(trx, {
      tokenHash: fresh.tokenHash,
      userId,
      issuedBy: 'staff',
      passwordGeneration: BigInt(user.password_generation),
      email: await confirmedAddress(trx, userId),
      createdAtMs: BigInt(nowMs),
      expiresAtMs: BigInt(expiresAtMs),
    });
    await recordStaffAction(ctx, actor.staff, actor.client, 'staff_issued_reset_link', { user: userId, reason }, trx);
    await recordCustomerNotice(ctx, userId, 'reset_link_issued_by_staff', { reason }, trx);
    await notifyUser(ctx, trx, userId, 'staff_action', 'Bank staff issued a link to reset your password. If you did not ask for it, call the bank.');
    return { link: fresh.link, username: user.username, expiresAtMs };
  });
}
