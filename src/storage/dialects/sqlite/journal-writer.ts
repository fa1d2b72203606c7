/**
 * SQLite's journal writer (issue 12 item 1). The rows the caller read inside this transaction are
 * the locked rows: `BEGIN IMMEDIATE` holds the database's only write lock, so nobody can change them
 * (issue 11 class 6). The decision is movement-rules' on those rows; then debit, credit and the
 * ledger rows are written one statement at a time (no round trips to save on SQLite).
 */
import { approves, factsOf } from '../../../domain/movement-rules.js';
import { legsOf, type JournalWriter } from '../../journal-writer.js';
import { appendTransaction, changeBalance } from './movement-sql.js';

export const sqliteJournalWriter: JournalWriter = {
  async post(trx, posting) {
    const { fromId, toId, amountMinor } = legsOf(posting.journal);
    if (fromId !== posting.from.id || toId !== posting.to.id) throw new Error("the journal does not move money between the posting's accounts");
    const facts = factsOf(posting.from, posting.to, amountMinor);
    if (!approves(facts)) return { kind: 'refused', facts };
    const from = await changeBalance(trx, 'debit', fromId, amountMinor);
    await posting.afterDebit?.();
    const to = await changeBalance(trx, 'credit', toId, amountMinor);
    await appendTransaction(trx, posting.transaction, [
      { accountId: fromId, amountMinor: -amountMinor, balanceAfterMinor: from },
      { accountId: toId, amountMinor, balanceAfterMinor: to },
    ]);
    return { kind: 'posted', balances: { from, to } };
  },
};
