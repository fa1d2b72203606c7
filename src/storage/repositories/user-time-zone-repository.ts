/** The user's time zone for the pages (users.time_zone, migration 006). */
import type { Db, Trx } from '../storage.js';

/** Saves the user's choice. */
export async function saveTimeZone(db: Db | Trx, userId: string, timeZone: string): Promise<void> {
  await db.updateTable('users').set({ time_zone: timeZone }).where('id', '=', userId).execute();
}

/** Saves `timeZone` only when the user has none yet (a browser's hint never overrides a choice). */
export async function saveTimeZoneIfUnset(db: Db | Trx, userId: string, timeZone: string): Promise<void> {
  await db.updateTable('users').set({ time_zone: timeZone }).where('id', '=', userId).where('time_zone', 'is', null).execute();
}
