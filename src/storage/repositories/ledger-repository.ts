import { sql } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
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
 * per movement. SQLite has no such CTE and no round trip to save. Every movement has exactly two
 * entries, so that shape is prepared once (prepared-query.ts); any other count is built afresh.
 */
export async function appendTransaction(trx: Trx, txn: NewLedgerTransaction, entries: NewEntry[], dialect: Dialect = 'sqlite'): Promise<bigint> {
  const row = transactionRow(txn);
  if (dialect === 'postgres') {
    const result = entries.length === 2 ? await appendPairInOneStatement.rows(trx, { ...row, ...pairValues(entries) }) : (await appendInOneStatement(row, entries).execute(trx)).rows;
    const seq = result[0]?.transaction_seq;
    if (seq === undefined || result.length !== entries.length) throw new Error('ledger insert wrote an unexpected number of entries');
    return BigInt(seq);
  }
  const inserted = await insertTransaction.first(trx, row);
  if (!inserted) throw new Error('ledger insert returned no seq');
  const seq = BigInt(inserted.seq);
  if (entries.length === 2) await insertEntryPair.changed(trx, { seq, createdAt: txn.createdAtMs, ...pairValues(entries) });
  else await trx.insertInto('entries').values(entries.map((e) => ({ transaction_seq: seq, account_id: e.accountId, amount: e.amountMinor, balance_after: e.balanceAfterMinor, created_at: txn.createdAtMs }))).execute();
  return seq;
}

type TransactionValues = ReturnType<typeof transactionRow>;

const transactionRow = (txn: NewLedgerTransaction) => ({
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

function appendInOneStatement(row: TransactionValues, entries: Array<{ accountId: unknown; amountMinor: unknown; balanceAfterMinor: unknown }>) {
  const values = entries.map((e, i) => sql`(${e.accountId}::text, ${e.amountMinor}::bigint, ${e.balanceAfterMinor}::bigint, ${i}::int)`);
  return sql<{ transaction_seq: string | bigint }>`
    with t as (
      insert into ledger_transactions (id, type, memo, actor_user_id, actor_token_id, actor_session_id, created_at)
      values (${row.id}, ${row.type}, ${row.memo}, ${row.actorUserId}, ${row.actorTokenId}, ${row.actorSessionId}, ${row.createdAt})
      returning seq
    )
    insert into entries (transaction_seq, account_id, amount, balance_after, created_at)
    select t.seq, e.account_id, e.amount, e.balance_after, ${row.createdAt}::bigint
    from t cross join (values ${sql.join(values)}) as e(account_id, amount, balance_after, ord)
    order by e.ord
    returning transaction_seq`;
}

const appendPairInOneStatement = preparedQuery<TransactionValues & PairValues, { transaction_seq: string | bigint }>((db, p) => {
  const row = { id: p('id'), type: p('type'), memo: p('memo'), actorUserId: p('actorUserId'), actorTokenId: p('actorTokenId'), actorSessionId: p('actorSessionId'), createdAt: p('createdAt') };
  const query = appendInOneStatement(row, [
    { accountId: p('account0'), amountMinor: p('amount0'), balanceAfterMinor: p('after0') },
    { accountId: p('account1'), amountMinor: p('amount1'), balanceAfterMinor: p('after1') },
  ]);
  return { compile: () => query.compile(db) };
});

/** Used by tests and `verify`: how many entries exist in all. */
export async function countEntries(db: Db | Trx): Promise<bigint> {
  const row = await db.selectFrom('entries').select(sql<bigint>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return BigInt(row.n);
}
