/**
 * The statements of a movement on SQLite: debit, credit, and the ledger transaction with its two
 * entries. SQLite has no round trips, so they run one by one inside `BEGIN IMMEDIATE`, which holds
 * the database's only write lock: the rows the journal writer decided on cannot change meanwhile.
 * Each is prepared once (prepared-query.ts).
 */
import { preparedQuery } from '../../prepared-query.js';
import { transactionRow, type NewLedgerTransaction, type TransactionValues } from '../../repositories/ledger-repository.js';
import type { Trx } from '../../storage.js';

type Change = { id: string; amount: bigint };

// No funds condition here: the journal writer has decided on the locked rows (movement-rules.ts).
// The CHECK on user balances (migration 001) still stands behind it.
const debit = preparedQuery<Change, { balance: bigint }>((db, p) =>
  db
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '-', p('amount')) }))
    .where('id', '=', p('id'))
    .returning('balance'),
);
const credit = preparedQuery<Change, { balance: bigint }>((db, p) =>
  db
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '+', p('amount')) }))
    .where('id', '=', p('id'))
    .returning('balance'),
);

/** Subtracts (`debit`) or adds (`credit`) `amountMinor` on one account; returns its new balance. */
export async function changeBalance(trx: Trx, direction: 'debit' | 'credit', accountId: string, amountMinor: bigint): Promise<bigint> {
  const row = await (direction === 'debit' ? debit : credit).first(trx, { id: accountId, amount: amountMinor });
  if (!row) throw new Error(`${direction}: no account ${accountId}`);
  return BigInt(row.balance);
}

export interface NewEntry {
  accountId: string;
  amountMinor: bigint;
  balanceAfterMinor: bigint;
}

/** Appends one ledger transaction and its two entries (a debit and its credit, from a balanced journal). */
export async function appendTransaction(trx: Trx, txn: NewLedgerTransaction, entries: readonly NewEntry[]): Promise<bigint> {
  const [a, b] = entries;
  if (entries.length !== 2 || !a || !b) throw new Error('a ledger transaction here is one debit and its credit');
  const inserted = await insertTransaction.first(trx, transactionRow(txn));
  if (!inserted) throw new Error('ledger insert returned no seq');
  const seq = BigInt(inserted.seq);
  await insertEntryPair.changed(trx, {
    seq,
    createdAt: txn.createdAtMs,
    ...{
      account0: a.accountId,
      amount0: a.amountMinor,
      after0: a.balanceAfterMinor,
      account1: b.accountId,
      amount1: b.amountMinor,
      after1: b.balanceAfterMinor,
    },
  });
  return seq;
}

interface PairValues {
  seq: bigint;
  createdAt: bigint;
  account0: string;
  amount0: bigint;
  after0: bigint;
  account1: string;
  amount1: bigint;
  after1: bigint;
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
      reversal_of: p('reversalOf'),
      // This version leaves the movement's notices to the notice writer (migration 020).
      notices_after_commit: 1n,
    })
    .returning('seq'),
);

const insertEntryPair = preparedQuery<PairValues>((db, p) =>
  db.insertInto('entries').values([
    { transaction_seq: p('seq'), account_id: p('account0'), amount: p('amount0'), balance_after: p('after0'), created_at: p('createdAt') },
    { transaction_seq: p('seq'), account_id: p('account1'), amount: p('amount1'), balance_after: p('after1'), created_at: p('createdAt') },
  ]),
);
