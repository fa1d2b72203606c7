/**
 * Anonymous noise in the audit trail is aggregated (issue 11 class 14): an event without a user
 * (a refused anonymous form post, a rate limit, a login for an unknown name) is one row per type,
 * IP and window with a count, instead of one row per request kept for a year. `aggregate_key`
 * names that row (null for events with a user, which keep one row each: NULLs never conflict in a
 * unique index on either database); `occurrences` counts the events it stands for (1 otherwise).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('security_events')
    .addColumn('occurrences', 'bigint', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('security_events').addColumn('aggregate_key', 'text').execute();
  await db.schema.createIndex('security_events_aggregate').on('security_events').column('aggregate_key').unique().execute();
}
