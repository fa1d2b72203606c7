import { sql } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
import type { Db, Trx } from '../storage.js';

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
 * Appends one ledger transaction and its two entries (every movement is a debit and its credit); the
 * caller has built them from a balanced journal. Prepared once (prepared-query.ts). On PostgreSQL a
 * movement does not come here: its ledger rows are written by the same statement as its balances
 * (movement-statement.ts).
 */
export async function appendTransaction(trx: Trx, txn: NewLedgerTransaction, entries: NewEntry[]): Promise<bigint> {
  if (entries.length !== 2) throw new Error('a ledger transaction here is one debit and its credit');
  const inserted = await insertTransaction.first(trx, transactionRow(txn));
  if (!inserted) throw new Error('ledger insert returned no seq');
  const seq = BigInt(inserted.seq);
  await insertEntryPair.changed(trx, { seq, createdAt: txn.createdAtMs, ...pairValues(entries) });
  return seq;
}

export type TransactionValues = ReturnType<typeof transactionRow>;

/** A ledger transaction as the values of a prepared insert. */
export const transactionRow = (txn: NewLedgerTransaction) => ({
  id: txn.id,
  type: txn.type,
  memo: txn.memo,
  actorUserId: txn.actorUserId,
  actorTokenId: txn.actorTokenId ?? null,
  actorSessionId: txn.actorSessionId ?? null,
  createdAt: txn.createdAtMs,
});

interface PairValues {
  account0: string;
  amount0: bigint;
  after0: bigint;
  account1: string;
  amount1: bigint;
  after1: bigint;
}

function pairValues(entries: NewEntry[]): PairValues {
  const [a, b] = entries as [NewEntry, NewEntry];
  return { account0: a.accountId, amount0: a.amountMinor, after0: a.balanceAfterMinor, account1: b.accountId, amount1: b.amountMinor, after1: b.balanceAfterMinor };
}

const insertTransaction = preparedQuery<TransactionValues, { seq: bigint }>((db, p) =>
  db
    .insertInto('ledger_transactions')
    .values({
      id: p('id'),
      type: p('type'),
      memo: p('memo'),
      actor_user_id: p('actorUserId'),
      actor_token_id: p('actorTokenId'),
      actor_session_id: p('actorSessionId'),
      created_at: p('createdAt'),
    })
    .returning('seq'),
);

const insertEntryPair = preparedQuery<PairValues & { seq: bigint; createdAt: bigint }>((db, p) =>
  db.insertInto('entries').values([
    { transaction_seq: p('seq'), account_id: p('account0'), amount: p('amount0'), balance_after: p('after0'), created_at: p('createdAt') },
    { transaction_seq: p('seq'), account_id: p('account1'), amount: p('amount1'), balance_after: p('after1'), created_at: p('createdAt') },
  ]),
);

/** Used by tests and `verify`: how many entries exist in all. */
export async function countEntries(db: Db | Trx): Promise<bigint> {
  const row = await db.selectFrom('entries').select(sql<bigint>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return BigInt(row.n);
}
