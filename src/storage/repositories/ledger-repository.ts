/** A new ledger transaction's row, shared by both databases' journal writers (dialects/<name>/movement-sql.ts). */
export interface NewLedgerTransaction {
  id: string;
  type: 'deposit' | 'withdrawal' | 'transfer';
  memo: string | null;
  actorUserId: string | null;
  /** The credential behind the movement (migration 003): an API token id or a web session handle. */
  actorTokenId?: string | null;
  actorSessionId?: string | null;
  createdAtMs: bigint;
  /** The transaction this one reverses (migration 016; staff reversals only), else absent. */
  reversalOf?: string | null;
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
  reversalOf: txn.reversalOf ?? null,
});
