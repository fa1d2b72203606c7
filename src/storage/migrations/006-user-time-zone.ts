/**
 * Each user's time zone for the pages (issue 12 item 8): an IANA name, or null until they choose
 * one or their browser tells it at sign-up or sign-in (then pages show UTC).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('users').addColumn('time_zone', 'text').execute();
}
