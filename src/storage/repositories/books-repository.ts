/**
 * The reads behind `minibank verify` (app/verify-books.ts): each returns the rows that break one
 * rule of the books, as stored, trusting no cached value. Values come back as read (a damaged SQLite
 * row may hold a float, a sum may be text); the caller judges them. Read-only.
 */
import { sql } from 'kysely';
import { MAX_BALANCE_MINOR } from '../../domain/money.js';
import { literal } from '../sql-literal.js';
import type { Db } from '../storage.js';

const MAX_SQL = sql.lit(Number(MAX_BALANCE_MINOR));
/** A column's value is not a whole number within the bound. Portable: on PostgreSQL the cast is a no-op. */
const outOfBound = (column: string) => {
  const ref = sql.ref(column);
  return sql<boolean>`(not (${ref} between -${MAX_SQL} and ${MAX_SQL}) or ${ref} <> cast(${ref} as bigint))`;
};

/** Accounts whose balance is not a whole number within ±MAX_BALANCE_MINOR (at most `limit`), the value as text. */
export async function accountsWithBalanceOutOfBound(db: Db, limit: number): Promise<{ number: string; value: string }[]> {
  return db
    .selectFrom('accounts')
    .select(['number', sql<string>`cast(balance as text)`.as('value')])
    .where(outOfBound('balance'))
    .limit(limit)
    .execute();
}

/** Entries whose `column` is not a whole number within the bound (at most `limit`), by transaction id, the value as text. */
export async function entriesWithValueOutOfBound(db: Db, column: 'amount' | 'balance_after', limit: number): Promise<{ id: string; value: string }[]> {
  return db
    .selectFrom('entries as e')
    .innerJoin('ledger_transactions as t', 't.seq', 'e.transaction_seq')
    .select(['t.id as id', sql<string>`cast(e.${sql.raw(column)} as text)`.as('value')])
    .where(outOfBound(`e.${column}`))
    .limit(limit)
    .execute();
}

/** Transactions whose entries do not sum to zero in some currency, with the sum. */
export async function unbalancedTransactions(db: Db): Promise<{ id: string; currency: string; total: unknown }[]> {
  return db
    .selectFrom('entries as e')
    .innerJoin('accounts as a', 'a.id', 'e.account_id')
    .innerJoin('ledger_transactions as t', 't.seq', 'e.transaction_seq')
    .select(['t.id as id', 'a.currency as currency', sql<string>`sum(e.amount)`.as('total')])
    .groupBy(['t.id', 'a.currency'])
    .having(sql`sum(e.amount)`, '<>', 0)
    .execute();
}

/** Transactions with fewer than two entries, with their count. */
export async function thinTransactions(db: Db): Promise<{ id: string; n: unknown }[]> {
  return db
    .selectFrom('ledger_transactions as t')
    .leftJoin('entries as e', 'e.transaction_seq', 't.seq')
    .select(['t.id as id', sql<string>`count(e.seq)`.as('n')])
    .groupBy('t.id')
    .having(sql`count(e.seq)`, '<', 2)
    .execute();
}

/** Every account's cached balance beside the sum of its entries (null: no entries). */
export async function cachedBalancesAndEntrySums(db: Db): Promise<{ number: string; balance: unknown; total: unknown }[]> {
  return db
    .selectFrom('accounts as a')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('entries')
          .select(['account_id', sql<string>`sum(amount)`.as('total')])
          .groupBy('account_id')
          .as('s'),
      (join) => join.onRef('s.account_id', '=', 'a.id'),
    )
    .select(['a.number as number', 'a.balance as balance', 's.total as total'])
    .execute();
}

/** Every account with entries: its cached balance beside its last entry's running balance. */
export async function cachedBalancesAndLastEntries(db: Db): Promise<{ number: string; balance: unknown; balanceAfter: unknown }[]> {
  return db
    .selectFrom('accounts as a')
    .innerJoin('entries as e', 'e.account_id', 'a.id')
    .where('e.seq', '=', (eb) =>
      eb
        .selectFrom('entries as x')
        .select((x) => x.fn.max('x.seq').as('m'))
        .whereRef('x.account_id', '=', 'a.id'),
    )
    .select(['a.number as number', 'a.balance as balance', 'e.balance_after as balanceAfter'])
    .execute();
}

/** The sum of all balances per currency (the cash account's included: zero when the books are sound). */
export async function balanceSumsPerCurrency(db: Db): Promise<{ currency: string; total: unknown }[]> {
  return db
    .selectFrom('accounts')
    .select(['currency', sql<string>`sum(balance)`.as('total')])
    .groupBy('currency')
    .execute();
}

/** User accounts with a negative balance. */
export async function negativeUserAccounts(db: Db): Promise<{ number: string; balance: unknown }[]> {
  return db.selectFrom('accounts').select(['number', 'balance']).where('kind', '=', literal('user')).where('balance', '<', 0n).execute();
}

/** How many rows a ledger table holds, as read (the caller checks it is a whole number). */
export async function countRows(db: Db, table: 'ledger_transactions' | 'entries' | 'accounts'): Promise<unknown> {
  return (
    await db
      .selectFrom(table)
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow()
  ).n;
}
