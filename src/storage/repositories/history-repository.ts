/**
 * An account's history, newest first, read through the `entries_account_seq` index whatever the
 * planner's statistics say.
 *
 * Left to itself, once statistics exist (SQLite's STAT4 after ANALYZE; PostgreSQL always once
 * analysed) the planner reads the page of an account that owns a large share of all entries by
 * walking the primary key backwards and filtering on the account: it expects to meet that account's
 * rows often, but has to step over every newer entry of everyone else first, so the page costs grow
 * with the whole ledger. The index gives the page directly (seek to the account, and to the cursor,
 * then read `limit` rows), so the plan is pinned:
 * - SQLite: `INDEXED BY entries_account_seq`, which also makes SQLite fail loudly if the index is
 *   ever dropped instead of silently scanning.
 * - PostgreSQL, which has no hints: the page is ordered by (account_id, seq), an order only that
 *   index provides; the account is matched as `>= id and <= id` (the same rows as `= id`) because
 *   an equality would let the planner drop account_id from the order and pick the primary key again.
 */
import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { Database, EntriesTable } from '../schema.js';
import type { Db, Dialect, Trx } from '../storage.js';

export interface EntryView {
  entrySeq: bigint;
  transactionId: string;
  type: 'deposit' | 'withdrawal' | 'transfer';
  /** The transaction this one reverses (migration 016), or null/absent. */
  reversalOf?: string | null;
  memo: string | null;
  amountMinor: bigint;
  balanceAfterMinor: bigint;
  createdAtMs: bigint;
  counterpartyUsername: string | null;
  counterpartyAccountNumber: string | null;
}

export interface EntryFilter {
  accountId: string;
  /** Only entries strictly older than this entry (keyset pagination, newest first). */
  beforeSeq?: bigint;
  fromMs?: bigint;
  toMs?: bigint;
  /** Public types (a reversal's stored type is ignored: "reversal" matches it, the others never do). */
  types?: ('deposit' | 'withdrawal' | 'transfer' | 'reversal')[];
  limit: number;
}

const entriesByAccount = {
  sqlite: sql<Selectable<EntriesTable>>`entries`.as<'e'>(sql`e indexed by entries_account_seq`),
  postgres: sql<Selectable<EntriesTable>>`entries`.as<'e'>(sql`e`),
};

type HistoryTables = Database & { t: Database['ledger_transactions'] };

/** The history query as built for `dialect` (exported so tests can check its plan). */
export function historyQuery(db: Db | Trx, dialect: Dialect, filter: EntryFilter) {
  let query = db
    .selectFrom(entriesByAccount[dialect])
    .innerJoin('ledger_transactions as t', 't.seq', 'e.transaction_seq')
    .leftJoin('entries as other', (join) => join.onRef('other.transaction_seq', '=', 'e.transaction_seq').onRef('other.account_id', '<>', 'e.account_id'))
    // 'user' as a literal: bound, SQLite would re-prepare the query on every run (dialects/sqlite-sql-text.ts).
    .leftJoin('accounts as oa', (join) => join.onRef('oa.id', '=', 'other.account_id').on('oa.kind', '=', sql.lit('user')))
    .leftJoin('users as ou', 'ou.id', 'oa.user_id')
    .select([
      'e.seq as entrySeq',
      't.id as transactionId',
      't.type as type',
      't.reversal_of as reversalOf',
      't.memo as memo',
      'e.amount as amountMinor',
      'e.balance_after as balanceAfterMinor',
      'e.created_at as createdAtMs',
      'ou.username as counterpartyUsername',
      'oa.number as counterpartyAccountNumber',
    ]);
  query =
    dialect === 'postgres'
      ? query.where('e.account_id', '>=', filter.accountId).where('e.account_id', '<=', filter.accountId).orderBy('e.account_id', 'desc')
      : query.where('e.account_id', '=', filter.accountId);
  if (filter.beforeSeq !== undefined) query = query.where('e.seq', '<', filter.beforeSeq);
  if (filter.fromMs !== undefined) query = query.where('e.created_at', '>=', filter.fromMs);
  if (filter.toMs !== undefined) query = query.where('e.created_at', '<', filter.toMs);
  if (filter.types && filter.types.length > 0) query = query.where(typeFilter(filter.types));
  return query.orderBy('e.seq', 'desc').limit(filter.limit);
}

/** The public types as a condition: stored types that are no reversal, or any reversal (migration 016). */
function typeFilter(types: NonNullable<EntryFilter['types']>) {
  const stored = types.filter((t) => t !== 'reversal');
  return (eb: ExpressionBuilder<HistoryTables, 't'>) => {
    const either = [];
    if (stored.length > 0) either.push(eb.and([eb('t.type', 'in', stored), eb('t.reversal_of', 'is', null)]));
    if (types.includes('reversal')) either.push(eb('t.reversal_of', 'is not', null));
    return eb.or(either);
  };
}

/**
 * An account's entries newest first, with the other side of each transaction. Keyset pagination on
 * the entry sequence keeps every page as cheap as the first, however long the history.
 */
export async function listEntries(db: Db | Trx, dialect: Dialect, filter: EntryFilter): Promise<EntryView[]> {
  const rows = await historyQuery(db, dialect, filter).execute();
  return rows.map((r) => ({
    ...r,
    reversalOf: r.reversalOf ?? null,
    entrySeq: BigInt(r.entrySeq),
    amountMinor: BigInt(r.amountMinor),
    balanceAfterMinor: BigInt(r.balanceAfterMinor),
    createdAtMs: BigInt(r.createdAtMs),
  }));
}

/** The sequence of `accountId`'s entry in transaction `transactionId`, for a `starting_after` cursor. */
export async function findEntrySeq(db: Db | Trx, accountId: string, transactionId: string): Promise<bigint | undefined> {
  const row = await db
    .selectFrom('entries as e')
    .innerJoin('ledger_transactions as t', 't.seq', 'e.transaction_seq')
    .select('e.seq')
    .where('t.id', '=', transactionId)
    .where('e.account_id', '=', accountId)
    .executeTakeFirst();
  return row ? BigInt(row.seq) : undefined;
}
