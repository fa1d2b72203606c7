/**
 * PostgreSQL's journal writer (issue 12 item 1): locks, decision, debit, credit and ledger rows in
 * one statement (movement-sql.ts), one round trip instead of five. It decides on the rows it locked,
 * not on the ones the caller read before (a freeze or a payment may have committed while it waited
 * for the locks: issue 11 class 6), and writes nothing on a refusal. There is no moment between debit
 * and credit, so the fault hook runs at the closest point: after the statement, with the movement
 * written but not committed.
 */
import type { JournalWriter } from '../../journal-writer.js';
import { moveInOneStatement } from './movement-sql.js';

export const postgresJournalWriter: JournalWriter = {
  async post(trx, posting) {
    const outcome = await moveInOneStatement(trx, posting.journal, posting.transaction);
    if (!outcome.balances) return { kind: 'refused', facts: outcome.facts };
    await posting.afterDebit?.();
    return { kind: 'posted', balances: outcome.balances };
  },
};
