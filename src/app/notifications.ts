/**
 * The in-app notifications list (issue 18; contract: GET /api/v1/notifications?unread=&limit=&
 * starting_after=, POST /api/v1/notifications/{id}/read) and the user's notification choices.
 */
import { DomainError } from '../domain/errors.js';
import { isNotificationKind, optionalKinds, type NotificationKind } from '../domain/notification-kinds.js';
import {
  countUnread,
  findNotificationSettings,
  listNotificationsOfUser,
  markAllNotificationsRead,
  markNotificationRead,
  notificationSeqOfUser,
  saveNotificationSettings,
  type NotificationRow,
  type NotificationSettings,
} from '../storage/repositories/notification-repository.js';
import type { AppContext } from './context.js';

export const NOTIFICATIONS_PAGE_MAX = 100;
/** The bell counts up to this many unread notices ("99+" beyond). */
export const UNREAD_CAP = 100;

export interface NotificationView {
  id: string;
  kind: string;
  text: string;
  createdAtMs: bigint;
  readAtMs: bigint | null;
}

/**
 * A page of the user's notices, newest first: `limit` 1..100 (default 20), `startingAfter` a notice
 * id of theirs from an earlier page.
 * @throws DomainError not_found (param starting_after) when that id is not one of theirs.
 */
export async function listNotifications(
  ctx: AppContext,
  userId: string,
  options: { unread: boolean; limit?: number; startingAfter?: string },
): Promise<{ data: NotificationView[]; hasMore: boolean }> {
  const limit = Math.min(Math.max(options.limit ?? 20, 1), NOTIFICATIONS_PAGE_MAX);
  let beforeSeq: bigint | undefined;
  if (options.startingAfter !== undefined) {
    beforeSeq = await notificationSeqOfUser(ctx.storage.db, userId, options.startingAfter);
    if (beforeSeq === undefined) throw new DomainError('not_found', 'No such notification.', 'starting_after');
  }
  const rows = await listNotificationsOfUser(ctx.storage.db, userId, { unread: options.unread, limit: limit + 1, beforeSeq });
  return { data: rows.slice(0, limit).map(view), hasMore: rows.length > limit };
}

const view = (r: NotificationRow): NotificationView => ({ id: r.id, kind: r.kind, text: r.text, createdAtMs: r.createdAtMs, readAtMs: r.readAtMs });

/**
 * Marks one of the user's notices read (again: no change).
 * @throws DomainError not_found for another user's notice or none (the same answer).
 */
export async function readNotification(ctx: AppContext, userId: string, id: string): Promise<void> {
  const done = await ctx.storage.writeTransaction((trx) => markNotificationRead(trx, userId, id, BigInt(ctx.clock.nowMs())));
  if (!done) throw new DomainError('not_found', 'No such notification.');
}

/** Marks all the user's notices read. */
export async function readAllNotifications(ctx: AppContext, userId: string): Promise<void> {
  await ctx.storage.writeTransaction((trx) => markAllNotificationsRead(trx, userId, BigInt(ctx.clock.nowMs())));
}

/** The unread count for the bell (capped at UNREAD_CAP). */
export const unreadCount = (ctx: AppContext, userId: string): Promise<number> => countUnread(ctx.storage.db, userId, UNREAD_CAP);

/** The user's choices: optional kinds off for email, the "money sent" threshold (minor units) or null. */
export const notificationChoices = (ctx: AppContext, userId: string): Promise<NotificationSettings> => findNotificationSettings(ctx.storage.db, userId);

/**
 * Stores the user's choices. Security kinds cannot be turned off (they are dropped from `emailOff`).
 * @throws DomainError invalid_request for an unknown kind or a threshold outside 1..MAX_AMOUNT_MINOR.
 */
export async function saveNotificationChoices(
  ctx: AppContext,
  userId: string,
  choices: { emailOff: string[]; sentThresholdMinor: bigint | null },
): Promise<void> {
  const unknown = choices.emailOff.find((k) => !isNotificationKind(k));
  if (unknown !== undefined) throw new DomainError('invalid_request', 'Unknown notification kind.', 'email_off');
  const t = choices.sentThresholdMinor;
  if (t !== null && (t < 1n || t > BigInt(ctx.config.maxAmountMinor)))
    throw new DomainError('invalid_amount', 'The threshold must be a positive amount.', 'sent_threshold');
  const emailOff = (choices.emailOff as NotificationKind[]).filter((k) => optionalKinds.includes(k));
  await ctx.storage.writeTransaction((trx) => saveNotificationSettings(trx, userId, { emailOff: [...new Set(emailOff)], sentThresholdMinor: t }));
}
