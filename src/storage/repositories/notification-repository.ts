/**
 * In-app notifications and their settings (migration 017, issue 18). Times are epoch ms, amounts
 * minor units. A movement's notices are written after commit by the notice writer
 * (movement-notice-repository.ts), not here.
 */
import { sql } from 'kysely';
import type { Db, Trx } from '../storage.js';

export interface NewNotification {
  id: string;
  userId: string;
  kind: string;
  text: string;
  createdAtMs: bigint;
}

export interface NotificationRow {
  seq: bigint;
  id: string;
  kind: string;
  text: string;
  createdAtMs: bigint;
  readAtMs: bigint | null;
}

/** Writes notices in the caller's transaction. */
export async function insertNotifications(db: Db | Trx, notices: readonly NewNotification[]): Promise<void> {
  if (notices.length === 0) return;
  await db
    .insertInto('notifications')
    .values(notices.map((n) => ({ id: n.id, user_id: n.userId, kind: n.kind, text: n.text, created_at: n.createdAtMs })))
    .execute();
}

/** A user's notices, newest first; `unread` keeps the unread only; `beforeSeq` pages. */
export async function listNotificationsOfUser(
  db: Db | Trx,
  userId: string,
  options: { unread: boolean; limit: number; beforeSeq?: bigint },
): Promise<NotificationRow[]> {
  let query = db
    .selectFrom('notifications')
    .select(['seq', 'id', 'kind', 'text', 'created_at', 'read_at'])
    .where('user_id', '=', userId)
    .orderBy('seq', 'desc')
    .limit(options.limit);
  if (options.unread) query = query.where('read_at', 'is', null);
  if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq);
  const rows = await query.execute();
  return rows.map((r) => ({ seq: BigInt(r.seq), id: r.id, kind: r.kind, text: r.text, createdAtMs: r.created_at, readAtMs: r.read_at }));
}

/** The seq of the user's own notice `id`, or undefined (another user's or none: the same). */
export async function notificationSeqOfUser(db: Db | Trx, userId: string, id: string): Promise<bigint | undefined> {
  const row = await db.selectFrom('notifications').select('seq').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return row ? BigInt(row.seq) : undefined;
}

/** Marks the user's notice read (once: a second call keeps the first time); false when it is not theirs. */
export async function markNotificationRead(db: Db | Trx, userId: string, id: string, nowMs: bigint): Promise<boolean> {
  const result = await db
    .updateTable('notifications')
    .set({ read_at: sql<bigint>`coalesce(read_at, ${nowMs})` })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Marks every unread notice of the user read. */
export async function markAllNotificationsRead(db: Db | Trx, userId: string, nowMs: bigint): Promise<void> {
  await db.updateTable('notifications').set({ read_at: nowMs }).where('user_id', '=', userId).where('read_at', 'is', null).execute();
}

/** How many unread notices the user has, counted up to `cap` (the bell shows "cap+"). */
export async function countUnread(db: Db | Trx, userId: string, cap: number): Promise<number> {
  const row = await sql<{
    n: bigint;
  }>`select count(*) as n from (select 1 from notifications where user_id = ${userId} and read_at is null limit ${cap}) u`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

export interface NotificationSettings {
  emailOff: string[];
  sentThresholdMinor: bigint | null;
}

/** The user's choices (defaults when they never chose). */
export async function findNotificationSettings(db: Db | Trx, userId: string): Promise<NotificationSettings> {
  const row = await db.selectFrom('notification_settings').select(['email_off', 'sent_threshold_minor']).where('user_id', '=', userId).executeTakeFirst();
  return { emailOff: row?.email_off ? row.email_off.split(',') : [], sentThresholdMinor: row?.sent_threshold_minor ?? null };
}

/** Stores the user's choices. */
export async function saveNotificationSettings(db: Db | Trx, userId: string, settings: NotificationSettings): Promise<void> {
  const values = { email_off: settings.emailOff.join(','), sent_threshold_minor: settings.sentThresholdMinor };
  await db
    .insertInto('notification_settings')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}
