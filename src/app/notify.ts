/**
 * Writing notifications (issue 18 item 3) inside the transaction of what they report: the in-app
 * notice always; an email too when SMTP_URL is set, the user has a confirmed address, and the kind
 * is a security kind or not turned off. Without SMTP_URL no email read or write happens at all.
 */
import { kindLabels, securityKinds, type NotificationKind } from '../domain/notification-kinds.js';
import { confirmedAddressOf } from '../storage/repositories/email-address-repository.js';
import { findNotificationSettings, insertNotifications, type NewNotification } from '../storage/repositories/notification-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { emailOn, enqueueEmail } from './outbox.js';
import { escapeHtml, publicLink } from './public-link.js';

/** A new notice for `userId` (id and time from the context). */
export function newNotice(ctx: AppContext, userId: string, kind: NotificationKind, text: string): NewNotification {
  return { id: ctx.random.uuid(), userId, kind, text, createdAtMs: BigInt(ctx.clock.nowMs()) };
}

/** Writes one notice and, when it applies, queues its email; all in `db` (the caller's transaction). */
export async function notifyUser(ctx: AppContext, db: Db | Trx, userId: string, kind: NotificationKind, text: string): Promise<void> {
  await insertNotifications(db, [newNotice(ctx, userId, kind, text)]);
  await emailNotice(ctx, db, userId, kind, text);
}

/** Queues the email of a notice already written, when email is on and the user wants it. */
export async function emailNotice(ctx: AppContext, db: Db | Trx, userId: string, kind: NotificationKind, text: string): Promise<void> {
  if (!emailOn(ctx)) return;
  const address = await confirmedAddressOf(db, userId);
  if (!address) return;
  if (!securityKinds.includes(kind) && (await findNotificationSettings(db, userId)).emailOff.includes(kind)) return;
  const link = publicLink(ctx.config, '/notifications');
  await enqueueEmail(ctx, db, kind, {
    to: address,
    subject: `minibank: ${kindLabels[kind]}`,
    text: `${text}\n\nYour notifications: ${link}\n\nYou get this email because this address is confirmed on your minibank account.`,
    html: `<p>${escapeHtml(text)}</p><p><a href="${escapeHtml(link)}">Your notifications</a></p>`,
  });
}
