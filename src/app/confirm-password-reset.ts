/**
 * Using a password reset link (issue 18 item 4; contract "Recovery and notifications (round 2)":
 * POST /api/v1/password-reset/confirm, and the /reset-password page): a new password (the password
 * policy applies), and every session and API token of the user ended, in one transaction with the
 * link's use, the audit event and the "your password was changed" notice.
 *
 * With a second factor on, the link alone is not enough: a current TOTP code or an unused recovery
 * code must come with it (a stolen mailbox must not be a stolen account). Without one the answer is
 * mfa_required and the link stays usable until it expires; PASSWORD_RESET_CODE_TRIES wrong codes end
 * it. The password generation moves (compare-and-set against the one the link was issued for), so a
 * credential made from the old password is dead at once, and a password change racing the reset
 * makes the reset fail rather than be lost.
 */
import { DomainError } from '../domain/errors.js';
import { countResetCodeFailure, usePasswordReset } from '../storage/repositories/password-reset-repository.js';
import { deleteAllSessionsOfUser } from '../storage/repositories/staff-repository.js';
import { replacePassword } from '../storage/repositories/user-repository.js';
import type { AppContext } from './context.js';
import { notifyPasswordReset } from './password-reset-mail.js';
import { lookUpResetToken, type ResetLookup } from './password-reset-token.js';
import { checkPassword } from './password-policy.js';
import { revokeAllApiTokens } from './revoke-token.js';
import { acceptSecondFactorCode } from './second-factor-code.js';
import { hasSecondFactor, secondFactorStatus } from './second-factor-status.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';

export interface ResetConfirmation {
  token: string;
  password: string;
  /** A TOTP code or a recovery code; needed when the user has a second factor on. */
  otp?: string;
}

const invalidLink = () =>
  new DomainError('invalid_request', 'This password reset link does not work: it was used, it expired, or a newer one was sent. Ask for a new one.', 'token');

const mfaRequired = (message: string) => new DomainError('mfa_required', message, 'otp');

/**
 * Sets the new password with the link's token.
 * @throws DomainError invalid_request (param token) for an unknown, used, replaced or expired link, or
 *   one issued before a password or email change; invalid_request (param password) when the policy
 *   refuses the password; mfa_required (param otp) when a second factor is on and no valid code came.
 */
export async function confirmPasswordReset(ctx: AppContext, input: ResetConfirmation, client: ClientInfo): Promise<void> {
  const looked = await lookUpResetToken(ctx, ctx.storage.db, input.token);
  if (!looked.ok) {
    await recordRefusal(ctx, looked, client);
    throw invalidLink();
  }
  const { reset } = looked;
  // The policy first: a refused password must not spend a recovery code.
  await checkPassword(input.password, reset.username, 'password');
  if (hasSecondFactor(await secondFactorStatus(ctx, ctx.storage.db, reset.userId))) {
    const code = (input.otp ?? '').trim();
    if (code === '') throw mfaRequired('This account has a second factor: give a current code from your authenticator app, or a recovery code.');
    const proof = await acceptSecondFactorCode(ctx, ctx.storage.db, { userId: reset.userId, code, allowRecovery: true, purpose: 'password_change', client });
    if (proof === null) {
      const ended = await countResetCodeFailure(ctx.storage.db, reset.tokenHash, ctx.config.passwordResetCodeTries, BigInt(ctx.clock.nowMs()));
      await recordSecurityEvent(ctx, { type: 'password_reset_failed', userId: reset.userId, client, details: { why: 'wrong_code', link_ended: ended } });
      if (ended) throw invalidLink();
      throw mfaRequired('That code is not right: give a current code from your authenticator app, or an unused recovery code.');
    }
  }
  const hash = await ctx.passwords.hash(input.password);
  await ctx.storage.writeTransaction(async (trx) => {
    // Judged again inside the transaction: a newer link, a use or a change may have come meanwhile.
    const again = await lookUpResetToken(ctx, trx, input.token);
    const nowMs = BigInt(ctx.clock.nowMs());
    if (!again.ok || !(await usePasswordReset(trx, reset.tokenHash, reset.userId, nowMs))) throw invalidLink();
    if ((await replacePassword(trx, reset.userId, reset.passwordGeneration, hash)) === null) throw invalidLink();
    const sessions = await deleteAllSessionsOfUser(trx, reset.userId);
    const tokens = await revokeAllApiTokens(ctx, trx, reset.userId);
    const details = { issued_by: reset.issuedBy, sessions_ended: sessions, tokens_revoked: tokens };
    await recordSecurityEvent(ctx, { type: 'password_reset_completed', userId: reset.userId, client, details }, trx);
    await notifyPasswordReset(ctx, trx, reset.userId);
  });
}

/** The audit of a refused link: on its user's row when the link was theirs, else counted anonymously. */
async function recordRefusal(ctx: AppContext, looked: Extract<ResetLookup, { ok: false }>, client: ClientInfo): Promise<void> {
  await recordSecurityEvent(ctx, { type: 'password_reset_failed', userId: looked.reset?.userId ?? null, client, details: { why: looked.why } });
}

/**
 * Whether a link works now, and whether its page must ask for a code (GET /reset-password: a read,
 * nothing changes). Null when it does not work.
 */
export async function inspectResetLink(ctx: AppContext, token: string): Promise<{ username: string; needsCode: boolean } | null> {
  const looked = await lookUpResetToken(ctx, ctx.storage.db, token);
  if (!looked.ok) return null;
  const needsCode = hasSecondFactor(await secondFactorStatus(ctx, ctx.storage.db, looked.reset.userId));
  return { username: looked.reset.username, needsCode };
}
