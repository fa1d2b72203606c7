import { sql } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
import type { Db, Trx } from '../storage.js';

// Both run on every dashboard view: prepared once (prepared-query.ts).
const lastBalanceBefore = preparedQuery<{ accountId: string; atMs: bigint }, { balance_after: bigint }>((db, p) =>
  db.selectFrom('entries').select('balance_after').where('account_id', '=', p('accountId')).where('created_at', '<', p('atMs')).orderBy('seq', 'desc').limit(1),
);

const closingBalances = preparedQuery<{ accountId: string; fromMs: bigint; toMs: bigint; bucketMs: bigint }, { balance_after: bigint; created_at: bigint }>(
  (db, p) => {
    const lastSeqs = db
      .selectFrom('entries')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('account_id', '=', p('accountId'))
      .where('created_at', '>=', p('fromMs'))
      .where('created_at', '<', p('toMs'))
      .groupBy(sql`(created_at - ${p('fromMs')}) / ${p('bucketMs')}`);
    return db
      .selectFrom('entries')
      .select(['balance_after', 'created_at'])
      .where('account_id', '=', p('accountId'))
      .where('seq', 'in', lastSeqs)
      .orderBy('seq');
  },
);

/** The account's balance just before `atMs` (0 when it had no entries yet). */
export async function balanceBefore(db: Db | Trx, accountId: string, atMs: bigint): Promise<bigint> {
  const row = await lastBalanceBefore.first(db, { accountId, atMs });
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
  const rows = await closingBalances.rows(db, { accountId, fromMs, toMs, bucketMs });
  return rows.map((r) => ({ bucket: Number((BigInt(r.created_at) - fromMs) / bucketMs), balanceMinor: BigInt(r.balance_after) }));
}
