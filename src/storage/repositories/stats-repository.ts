import { sql } from 'kysely';
import { literal } from '../sql-literal.js';
import type { Db } from '../storage.js';

export interface BankCounts {
  users: bigint;
  userAccounts: bigint;
  frozenAccounts: bigint;
  /** Ledger transactions per type, types in alphabetical order. */
  transactionsByType: Record<string, bigint>;
  /** Sum of user balances per currency, in minor units, currencies in alphabetical order. */
  circulation: Record<string, bigint>;
}

/** COUNT and SUM come back as text or bigint depending on the database: always an exact bigint here. */
const big = (v: unknown): bigint => (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' ? BigInt(v) : 0n);

/** The numbers behind `minibank stats`, read-only (four statements, no transaction needed). */
export async function countBank(db: Db): Promise<BankCounts> {
  const users = await db
    .selectFrom('users')
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  const accounts = await db
    .selectFrom('accounts')
    .where('kind', '=', literal('user'))
    .select([sql<string>`count(*)`.as('n'), sql<string>`sum(case when status = 'frozen' then 1 else 0 end)`.as('frozen')])
    .executeTakeFirstOrThrow();
  const byType = await db
    .selectFrom('ledger_transactions')
    .select(['type', sql<string>`count(*)`.as('n')])
    .groupBy('type')
    .orderBy('type')
    .execute();
  const circulation = await db
    .selectFrom('accounts')
    .where('kind', '=', literal('user'))
    .select(['currency', sql<string>`sum(balance)`.as('total')])
    .groupBy('currency')
    .orderBy('currency')
    .execute();
  return {
    users: big(users.n),
    userAccounts: big(accounts.n),
    frozenAccounts: big(accounts.frozen),
    transactionsByType: Object.fromEntries(byType.map((r) => [r.type, big(r.n)])),
    circulation: Object.fromEntries(circulation.map((r) => [r.currency, big(r.total)])),
  };
}
