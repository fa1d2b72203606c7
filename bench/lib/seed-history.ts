/**
 * Writes a long account history straight into the database, in a few set-based statements, because
 * a million entries through the API would take longer than the whole bench. The rows are the same
 * a real transfer writes and the books stay balanced: the feeder account, funded by a real deposit,
 * pays the subject 1 cent `entries` times; each transaction has
 * one -1 and one +1 entry with the right `balance_after`, and both cached balances are moved by the
 * same total. `minibank verify` passes on the result.
 */
import { sql } from 'kysely';
import type { Dialect, Trx } from '../../src/storage/storage.js';

interface HistoryAccount {
  userId: string;
  accountId: string;
}

export async function seedHistory(trx: Trx, dialect: Dialect, options: { subject: HistoryAccount; feeder: HistoryAccount; entries: number }): Promise<void> {
  const n = options.entries;
  const balanceOf = async (id: string) => BigInt((await trx.selectFrom('accounts').select('balance').where('id', '=', id).executeTakeFirstOrThrow()).balance);
  const feederBalance = await balanceOf(options.feeder.accountId);
  const subjectBalance = await balanceOf(options.subject.accountId);
  if (feederBalance < BigInt(n)) throw new Error('the feeder account cannot cover the history');
  const base = await insertSeries(trx, dialect, n, `bench-history-${options.subject.accountId}-`, 'transfer', options.feeder.userId);
  await sql`insert into entries (transaction_seq, account_id, amount, balance_after, created_at)
            select seq, ${options.feeder.accountId}, -1, ${sql.lit(Number(feederBalance))} - row_number() over (order by seq), created_at
            from ledger_transactions where seq > ${sql.lit(base)} order by seq`.execute(trx);
  await sql`insert into entries (transaction_seq, account_id, amount, balance_after, created_at)
            select seq, ${options.subject.accountId}, 1, ${sql.lit(Number(subjectBalance))} + row_number() over (order by seq), created_at
            from ledger_transactions where seq > ${sql.lit(base)} order by seq`.execute(trx);
  await sql`update accounts set balance = balance - ${sql.lit(n)} where id = ${options.feeder.accountId}`.execute(trx);
  await sql`update accounts set balance = balance + ${sql.lit(n)} where id = ${options.subject.accountId}`.execute(trx);
}

/** Inserts `count` ledger transactions one millisecond apart; returns the highest seq before them. */
async function insertSeries(trx: Trx, dialect: Dialect, count: number, idPrefix: string, type: 'deposit' | 'transfer', actor: string | null): Promise<number> {
  const before = await sql<{ m: unknown }>`select coalesce(max(seq), 0) as m from ledger_transactions`.execute(trx);
  const base = Number(before.rows[0]?.m ?? 0);
  const t0 = Date.now() - count;
  const series =
    dialect === 'postgres'
      ? sql`select i from generate_series(1, ${sql.lit(count)}) as g(i)`
      : sql`select i from (with recursive c(i) as (select 1 union all select i + 1 from c where i < ${sql.lit(count)}) select i from c)`;
  await sql`insert into ledger_transactions (id, type, memo, actor_user_id, created_at)
            select ${idPrefix} || i, ${type}, null, ${actor}, ${sql.lit(t0)} + i from (${series}) as s order by i`.execute(trx);
  return base;
}
