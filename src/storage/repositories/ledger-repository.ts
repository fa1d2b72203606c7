import { sql } from 'kysely';
import type { Db, Dialect, Trx } from '../storage.js';

export interface NewLedgerTransaction {
  id: string;
  type: 'deposit' | 'withdrawal' | 'transfer';
  memo: string | null;
  actorUserId: string | null;
  /** The credential behind the movement (migration 003): an API token id or a web session handle. */
  actorTokenId?: string | null;
  actorSessionId?: string | null;
  createdAtMs: bigint;
}

export interface NewEntry {
  accountId: string;
  amountMinor: bigint;
  balanceAfterMinor: bigint;
}

/**
 * Appends one ledger transaction and its entries; the caller has built them from a balanced journal.
 * On PostgreSQL both inserts travel as one statement (a data-modifying CTE): one round trip fewer
 * per movement. SQLite has no such CTE and no round trip to save.
 */
export async function appendTransaction(trx: Trx, txn: NewLedgerTransaction, entries: NewEntry[], dialect: Dialect = 'sqlite'): Promise<bigint> {
  if (dialect === 'postgres') return appendTransactionInOneStatement(trx, txn, entries);
  const { seq } = await trx
    .insertInto('ledger_transactions')
    .values({
      id: txn.id,
      type: txn.type,
      memo: txn.memo,
      actor_user_id: txn.actorUserId,
      actor_token_id: txn.actorTokenId ?? null,
      actor_session_id: txn.actorSessionId ?? null,
      created_at: txn.createdAtMs,
    })
    .returning('seq')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('entries')
    .values(
      entries.map((e) => ({
        transaction_seq: seq,
        account_id: e.accountId,
        amount: e.amountMinor,
        balance_after: e.balanceAfterMinor,
        created_at: txn.createdAtMs,
      })),
    )
    .execute();
  return BigInt(seq);
}

async function appendTransactionInOneStatement(trx: Trx, txn: NewLedgerTransaction, entries: NewEntry[]): Promise<bigint> {
  const rows = entries.map((e, i) => sql`(${e.accountId}::text, ${e.amountMinor}::bigint, ${e.balanceAfterMinor}::bigint, ${i}::int)`);
  const result = await sql<{ transaction_seq: string | bigint }>`
    with t as (
      insert into ledger_transactions (id, type, memo, actor_user_id, actor_token_id, actor_session_id, created_at)
      values (${txn.id}, ${txn.type}, ${txn.memo}, ${txn.actorUserId}, ${txn.actorTokenId ?? null}, ${txn.actorSessionId ?? null}, ${txn.createdAtMs})
      returning seq
    )
    insert into entries (transaction_seq, account_id, amount, balance_after, created_at)
    select t.seq, e.account_id, e.amount, e.balance_after, ${txn.createdAtMs}::bigint
    from t cross join (values ${sql.join(rows)}) as e(account_id, amount, balance_after, ord)
    order by e.ord
    returning transaction_seq`.execute(trx);
  const seq = result.rows[0]?.transaction_seq;
  if (seq === undefined || result.rows.length !== entries.length) throw new Error('ledger insert wrote an unexpected number of entries');
  return BigInt(seq);
}

export interface EntryView {
  entrySeq: bigint;
  transactionId: string;
  type: 'deposit' | 'withdrawal' | 'transfer';
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
  types?: ('deposit' | 'withdrawal' | 'transfer')[];
  limit: number;
}

/**
 * An account's entries newest first, with the other side of each transaction. Keyset pagination on
 * the entry sequence keeps every page as cheap as the first, however long the history.
 */
export async function listEntries(db: Db | Trx, filter: EntryFilter): Promise<EntryView[]> {
  let query = db
    .selectFrom('entries as e')
    .innerJoin('ledger_transactions as t', 't.seq', 'e.transaction_seq')
    .leftJoin('entries as other', (join) =>
      join.onRef('other.transaction_seq', '=', 'e.transaction_seq').onRef('other.account_id', '<>', 'e.account_id'),
    )
    .leftJoin('accounts as oa', (join) => join.onRef('oa.id', '=', 'other.account_id').on('oa.kind', '=', 'user'))
    .leftJoin('users as ou', 'ou.id', 'oa.user_id')
    .select([
      'e.seq as entrySeq',
      't.id as transactionId',
      't.type as type',
      't.memo as memo',
      'e.amount as amountMinor',
      'e.balance_after as balanceAfterMinor',
      'e.created_at as createdAtMs',
      'ou.username as counterpartyUsername',
      'oa.number as counterpartyAccountNumber',
    ])
    .where('e.account_id', '=', filter.accountId);
  if (filter.beforeSeq !== undefined) query = query.where('e.seq', '<', filter.beforeSeq);
  if (filter.fromMs !== undefined) query = query.where('e.created_at', '>=', filter.fromMs);
  if (filter.toMs !== undefined) query = query.where('e.created_at', '<', filter.toMs);
  if (filter.types && filter.types.length > 0) query = query.where('t.type', 'in', filter.types);
  const rows = await query.orderBy('e.seq', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({ ...r, entrySeq: BigInt(r.entrySeq), amountMinor: BigInt(r.amountMinor), balanceAfterMinor: BigInt(r.balanceAfterMinor), createdAtMs: BigInt(r.createdAtMs) }));
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

/** Used by tests and `verify`: how many entries exist in all. */
export async function countEntries(db: Db | Trx): Promise<bigint> {
  const row = await db.selectFrom('entries').select(sql<bigint>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return BigInt(row.n);
}
