/**
 * Checks the books from the stored rows alone, trusting no cached value: the same checks an auditor
 * would run. Used by `minibank verify`, the tests and the chaos harness.
 */
import { sql } from 'kysely';
import type { Db } from '../storage/storage.js';

export interface BooksReport {
  ok: boolean;
  problems: string[];
  counts: { transactions: bigint; entries: bigint; accounts: bigint };
}

const big = (v: unknown): bigint => BigInt(String(v));

export async function verifyBooks(db: Db): Promise<BooksReport> {
  const problems: string[] = [];

  const unbalanced = await db
    .selectFrom('entries as e')
    .innerJoin('accounts as a', 'a.id', 'e.account_id')
    .innerJoin('ledger_transactions as t', 't.seq', 'e.transaction_seq')
    .select(['t.id as id', 'a.currency as currency', sql<string>`sum(e.amount)`.as('total')])
    .groupBy(['t.id', 'a.currency'])
    .having(sql`sum(e.amount)`, '<>', 0)
    .execute();
  for (const row of unbalanced) problems.push(`transaction ${row.id} does not sum to zero in ${row.currency} (off by ${big(row.total)})`);

  const thin = await db
    .selectFrom('ledger_transactions as t')
    .leftJoin('entries as e', 'e.transaction_seq', 't.seq')
    .select(['t.id as id', sql<string>`count(e.seq)`.as('n')])
    .groupBy('t.id')
    .having(sql`count(e.seq)`, '<', 2)
    .execute();
  for (const row of thin) problems.push(`transaction ${row.id} has ${big(row.n)} entries; it needs at least two`);

  const cached = await db
    .selectFrom('accounts as a')
    .leftJoin(
      (eb) => eb.selectFrom('entries').select(['account_id', sql<string>`sum(amount)`.as('total')]).groupBy('account_id').as('s'),
      (join) => join.onRef('s.account_id', '=', 'a.id'),
    )
    .select(['a.number as number', 'a.balance as balance', 's.total as total'])
    .execute();
  for (const row of cached) {
    const total = row.total === null ? 0n : big(row.total);
    if (big(row.balance) !== total) problems.push(`account ${row.number} caches balance ${big(row.balance)} but its entries sum to ${total}`);
  }

  const lastEntry = await db
    .selectFrom('accounts as a')
    .innerJoin('entries as e', 'e.account_id', 'a.id')
    .where('e.seq', '=', (eb) => eb.selectFrom('entries as x').select((x) => x.fn.max('x.seq').as('m')).whereRef('x.account_id', '=', 'a.id'))
    .select(['a.number as number', 'a.balance as balance', 'e.balance_after as balanceAfter'])
    .execute();
  for (const row of lastEntry) {
    if (big(row.balance) !== big(row.balanceAfter)) problems.push(`account ${row.number}: last entry says balance ${big(row.balanceAfter)}, account says ${big(row.balance)}`);
  }

  const perCurrency = await db.selectFrom('accounts').select(['currency', sql<string>`sum(balance)`.as('total')]).groupBy('currency').execute();
  for (const row of perCurrency) {
    if (big(row.total) !== 0n) problems.push(`balances in ${row.currency} sum to ${big(row.total)}, not zero`);
  }

  const negative = await db.selectFrom('accounts').select(['number', 'balance']).where('kind', '=', 'user').where('balance', '<', 0n).execute();
  for (const row of negative) problems.push(`user account ${row.number} is negative: ${big(row.balance)}`);

  const count = async (table: 'ledger_transactions' | 'entries' | 'accounts') =>
    big((await db.selectFrom(table).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  return {
    ok: problems.length === 0,
    problems,
    counts: { transactions: await count('ledger_transactions'), entries: await count('entries'), accounts: await count('accounts') },
  };
}
