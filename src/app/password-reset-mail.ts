/**
 * The one seam between password reset and email (issue 18 part A's outbox): whether email can be
 * sent at all, a user's confirmed address, and queueing the reset email inside the caller's
 * transaction (so the email exists exactly when the link it carries was committed). Only this file
 * knows how part A sends mail.
 */
import { confirmedAddressOf } from '../storage/repositories/email-address-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { notifyUser } from './notify.js';
import { emailOn, enqueueEmail } from './outbox.js';
import { escapeHtml } from './public-link.js';

/** True when SMTP_URL is set: without it no reset link can be emailed (support staff can issue one). */
export const resetEmailAvailable = (ctx: Pick<AppContext, 'config'>): boolean => emailOn(ctx);

/** The user's confirmed address, or null (a pending, unconfirmed one never receives a reset link). */
export async function confirmedAddress(db: Db | Trx, userId: string): Promise<string | null> {
  return confirmedAddressOf(db, userId);
}

/**
 * Queues the reset email to `to` in `trx`: plain text and simple HTML, the link (which starts with
 * PUBLIC_URL and carries the single-use token) and how long it works. Nothing else secret.
 */
export async function queueResetEmail(ctx: AppContext, trx: Db | Trx, mail: { to: string; username: string; link: string; minutes: number }): Promise<void> {
  const intro = `Someone (we hope you) asked to reset the password of the minibank account ${mail.username}.`;
  const rules = `The link works once, for ${mail.minutes} minutes. Resetting signs out every browser and app using the account.`;
  const ignore = 'If you did not ask, ignore this email: your password stays as it is.';
  await enqueueEmail(ctx, trx, 'password_reset', {
    to: mail.to,
    subject: 'minibank: reset your password',
    text: `${intro}\n\nChoose a new password here: ${mail.link}\n\n${rules}\n\n${ignore}`,
    html: `<p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(mail.link)}">Choose a new password</a></p><p>${escapeHtml(mail.link)}</p><p>${escapeHtml(rules)}</p><p>${escapeHtml(ignore)}</p>`,
  });
}

/** The "your password was changed" notice (in-app, and by email to a confirmed address), in `trx`. */
export async function notifyPasswordReset(ctx: AppContext, trx: Db | Trx, userId: string): Promise<void> {
  await notifyUser(
    ctx,
    trx,
    userId,
    'password_changed',
    'Your password was changed with a reset link. Every browser and app using your account was signed out.',
  );
}
