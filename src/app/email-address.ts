/**
 * A user's email address (issue 18; contract "Recovery and notifications"): asking for one stores
 * it as pending with a single-use token (only its SHA-256 is kept, valid EMAIL_CONFIRM_MINUTES) and
 * queues the confirmation email, whose link starts with PUBLIC_URL and carries the token as the
 * query parameter `token`. Confirming works only for the user who asked; until then the earlier
 * confirmed address stays in force.
 */
import crypto from 'node:crypto';
import { checkEmailAddress } from '../domain/email-address.js';
import { DomainError } from '../domain/errors.js';
import { confirmPendingEmail, findEmailOfUser, findSecondFactorAndEmail, savePendingEmail } from '../storage/repositories/email-address-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { enqueueEmail } from './outbox.js';
import { escapeHtml, publicLink } from './public-link.js';
import type { SecondFactorStatus } from './second-factor-status.js';

/** The path of the emailed confirmation link: the page that confirms it (routes/pages/notification-settings.ts). */
export const EMAIL_CONFIRM_PATH = '/settings/email/confirm';

/** `email` on GET /api/v1/me: the confirmed address, else the pending one, else null. */
export type EmailStatus = { address: string; confirmed: boolean } | null;

const hashToken = (token: string): string => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Stores `unchecked` as the user's pending address and queues its confirmation link (nothing is
 * sent when SMTP_URL is empty). Returns nothing: the answer is 202 whatever happens to the mail.
 * @throws DomainError invalid_request (param "email") for an address the rule refuses (header injection...).
 */
export async function requestEmailChange(ctx: AppContext, userId: string, unchecked: string): Promise<void> {
  const address = checkEmailAddress(unchecked);
  const token = ctx.random.bytes(32).toString('base64url');
  const expiresAtMs = BigInt(ctx.clock.nowMs() + ctx.config.emailConfirmMinutes * 60_000);
  const link = publicLink(ctx.config, EMAIL_CONFIRM_PATH, { token });
  await ctx.storage.writeTransaction(async (trx) => {
    await savePendingEmail(trx, userId, { address, tokenHash: hashToken(token), expiresAtMs });
    await enqueueEmail(ctx, trx, 'email_confirmation', {
      to: address,
      subject: 'minibank: confirm your email address',
      text: `Confirm this address for your minibank account: ${link}\n\nThe link works once, for ${ctx.config.emailConfirmMinutes} minutes, and only while you are signed in to the account that asked. If you did not ask, ignore this email.`,
      html: `<p>Confirm this address for your minibank account:</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>If you did not ask, ignore this email.</p>`,
    });
  });
}

/**
 * Confirms the signed-in user's pending address with the token from its link (single use).
 * @throws DomainError invalid_request when the token is unknown, used, expired or another user's.
 */
export async function confirmEmail(ctx: AppContext, userId: string, token: string): Promise<string> {
  const confirmed = await ctx.storage.writeTransaction((trx) => confirmPendingEmail(trx, userId, hashToken(token), BigInt(ctx.clock.nowMs())));
  if (confirmed === null)
    throw new DomainError('invalid_request', 'This confirmation link is not valid: it was used, it expired, or it was sent to another account.', 'token');
  return confirmed;
}

/** The second factors and the email of GET /api/v1/me, in one read. */
export async function secondFactorAndEmail(_ctx: AppContext, db: Db | Trx, userId: string): Promise<{ mfa: SecondFactorStatus; email: EmailStatus }> {
  const row = await findSecondFactorAndEmail(db, userId);
  const email =
    row.address !== null ? { address: row.address, confirmed: true } : row.pendingAddress !== null ? { address: row.pendingAddress, confirmed: false } : null;
  return { mfa: { totp: row.totp, passkeys: row.passkeys }, email };
}

/** For /settings: the confirmed address in force and the one waiting for its link (either may be null). */
export async function emailAddresses(ctx: AppContext, userId: string): Promise<{ confirmed: string | null; pending: string | null }> {
  const row = await findEmailOfUser(ctx.storage.db, userId);
  return { confirmed: row?.address ?? null, pending: row?.pendingAddress ?? null };
}
