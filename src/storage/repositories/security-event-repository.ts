import { sql } from 'kysely';
import type { SecurityEventRow } from '../schema.js';
import type { Db, Trx } from '../storage.js';

export type NewSecurityEvent = Omit<SecurityEventRow, 'seq' | 'occurrences' | 'aggregate_key'>;

export async function insertSecurityEvent(db: Db | Trx, event: NewSecurityEvent): Promise<void> {
  await db.insertInto('security_events').values(event).execute();
}

/**
 * Counts one more event on the aggregated row named `aggregateKey`, creating it (with this event's
 * facts, occurrences 1) the first time: one upsert, so concurrent writers and several instances
 * share the row.
 */
export async function countAggregatedSecurityEvent(db: Db | Trx, event: NewSecurityEvent, aggregateKey: string): Promise<void> {
  await db
    .insertInto('security_events')
    .values({ ...event, aggregate_key: aggregateKey, occurrences: 1n })
    .onConflict((oc) => oc.column('aggregate_key').doUpdateSet({ occurrences: sql`security_events.occurrences + 1` }))
    .execute();
}

/** A user's events, newest first, keyset-paginated on `seq`. */
export async function listSecurityEventsOfUser(db: Db | Trx, userId: string, options: { limit: number; beforeSeq?: bigint }): Promise<SecurityEventRow[]> {
  let query = db.selectFrom('security_events').selectAll().where('user_id', '=', userId);
  if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq);
  const rows = await query.orderBy('seq', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({ ...r, seq: BigInt(r.seq), created_at: BigInt(r.created_at) }));
}

/** Housekeeping: events older than the retention period. */
export async function deleteSecurityEventsBefore(db: Db | Trx, beforeMs: bigint): Promise<void> {
  await db.deleteFrom('security_events').where('created_at', '<', beforeMs).execute();
}
