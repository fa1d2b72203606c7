import { sql } from 'kysely';
import type { Db, Trx } from '../storage.js';

/** The account's balance just before `atMs` (0 when it had no entries yet). */
export async function balanceBefore(db: Db | Trx, accountId: string, atMs: bigint): Promise<bigint> {
  const row = await db
    .selectFrom('entries')
    .select('balance_after')
    .where('account_id', '=', accountId)
    .where('created_at', '<', atMs)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? BigInt(row.balance_after) : 0n;
}

/**
 * The closing balance of each `bucketMs`-wide bucket from `fromMs` (bucket 0) up to `toMs`, only
 * for buckets that had entries: the last entry of each bucket, found with one grouped query on the
 * (account_id, seq) index, however many entries the window holds.
 */
export async function closingBalancesByBucket(
  db: Db | Trx,
  accountId: string,
  fromMs: bigint,
  toMs: bigint,
  bucketMs: bigint,
): Promise<{ bucket: number; balanceMinor: bigint }[]> {
  const lastSeqs = db
    .selectFrom('entries')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('account_id', '=', accountId)
    .where('created_at', '>=', fromMs)
    .where('created_at', '<', toMs)
    .groupBy(sql`(created_at - ${fromMs}) / ${bucketMs}`);
  const rows = await db
    .selectFrom('entries')
    .select(['balance_after', 'created_at'])
    .where('account_id', '=', accountId)
    .where('seq', 'in', lastSeqs)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ bucket: Number((BigInt(r.created_at) - fromMs) / bucketMs), balanceMinor: BigInt(r.balance_after) }));
}
