/**
 * What a monthly statement reads (issue 16 item 3): the months an account had movements in and the
 * entries of one month in order (the chain's head comes from chain-repository.ts).
 *
 * A month's entries are a range of the account's entry sequence, not a filter on `created_at`:
 * the range ends at the last entry created before the month's end. The account's running balance
 * (`balance_after`) follows the sequence (its writes are serialised on the account row), so the
 * opening balance, the running balances and the closing balance always agree, even when two
 * movements racing across midnight committed in the other order than their clocks read.
 */
import { sql } from 'kysely';
import type { Db, Dialect, Trx } from '../storage.js';
import { historyQuery, type EntryView } from './history-repository.js';

/** The account's last entry created before `atMs` (epoch ms): its sequence and balance after it. */
export async function lastEntryBefore(db: Db | Trx, accountId: string, atMs: bigint): Promise<{ seq: bigint; balanceAfterMinor: bigint } | undefined> {
  const row = await db
    .selectFrom('entries')
    .select(['seq', 'balance_after'])
    .where('account_id', '=', accountId)
    .where('created_at', '<', atMs)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { seq: BigInt(row.seq), balanceAfterMinor: BigInt(row.balance_after) } : undefined;
}

/**
 * The account's entries with `afterSeq < seq <= upToSeq`, oldest first, as the history shows them
 * (counterparty included). At most `limit`; the caller asks for one more to see whether it was reached.
 */
export async function entriesInRange(
  db: Db | Trx,
  dialect: Dialect,
  range: { accountId: string; afterSeq: bigint | undefined; upToSeq: bigint; limit: number },
): Promise<EntryView[]> {
  let query = historyQuery(db, dialect, { accountId: range.accountId, beforeSeq: range.upToSeq + 1n, limit: range.limit });
  if (range.afterSeq !== undefined) query = query.where('e.seq', '>', range.afterSeq);
  const rows = await query.execute();
  return rows.reverse().map((r) => ({
    ...r,
    entrySeq: BigInt(r.entrySeq),
    amountMinor: BigInt(r.amountMinor),
    balanceAfterMinor: BigInt(r.balanceAfterMinor),
    createdAtMs: BigInt(r.createdAtMs),
  }));
}

/** The UTC months (`YYYY-MM`) in which the account has entries, oldest first. */
export async function monthsWithEntries(db: Db | Trx, dialect: Dialect, accountId: string): Promise<string[]> {
  const month =
    dialect === 'postgres'
      ? sql<string>`to_char(to_timestamp(created_at / 1000) at time zone 'UTC', 'YYYY-MM')`
      : sql<string>`strftime('%Y-%m', created_at / 1000, 'unixepoch')`;
  const rows = await db.selectFrom('entries').select(month.as('month')).where('account_id', '=', accountId).groupBy(month).orderBy(month).execute();
  return rows.map((r) => r.month);
}
