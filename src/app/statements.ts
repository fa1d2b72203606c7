/**
 * Monthly statements (issue 16 item 3; contract "Statements and the ledger chain"): which months an
 * account has a statement for, and the figures of one month. Months are UTC calendar months. The
 * edges render the figures as the signed JSON document, the page and the PDF.
 */
import { DomainError } from '../domain/errors.js';
import { currentMonth, parseStatementMonth, type StatementMonth } from '../domain/statement-month.js';
import { statementFigures, type StatementFigures } from '../domain/statement.js';
import { findUserById } from '../storage/repositories/user-repository.js';
import { chainHeadAt, latestHead } from '../storage/repositories/chain-repository.js';
import { entriesInRange, lastEntryBefore, monthsWithEntries } from '../storage/repositories/statement-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { findOwnedAccount } from './owned-account.js';
import { transactionView, type TransactionView } from './views.js';

/**
 * Most transactions one statement lists. A month beyond it is refused loudly (a 500 naming it)
 * rather than cut short: a statement that silently dropped rows would not add up.
 */
export const STATEMENT_MAX_TRANSACTIONS = 100_000;

/** The chain's position before anything is sealed: seq 0 and 64 zero digits (docs/ledger.md). */
export const EMPTY_CHAIN_HEAD = { seq: 0n, hash: '0'.repeat(64) } as const;

export interface StatementData {
  account: { id: string; number: string; currency: string; holder: string };
  month: StatementMonth;
  openingMinor: bigint;
  figures: StatementFigures;
  /** Oldest first; `balanceAfterMinor` is the running balance. */
  transactions: TransactionView[];
  ledgerHead: { seq: bigint; hash: string };
  issuedAtMs: bigint;
}

/**
 * The months with a statement for the user's account, oldest first: every UTC month with a
 * movement, and the current month (interim, final: false). Someone else's account: not_found.
 */
export async function listStatementMonths(ctx: AppContext, userId: string, accountId: string): Promise<{ month: string; final: boolean }[]> {
  const account = await findOwnedAccount(ctx.storage.db, userId, accountId);
  const current = currentMonth(nowMsBig(ctx));
  const months = (await monthsWithEntries(ctx.storage.db, ctx.storage.dialect, account.id)).filter((m) => m < current.text);
  return [...months.map((month) => ({ month, final: true })), { month: current.text, final: false }];
}

/**
 * One month's statement figures for the user's account. `uncheckedMonth` is `YYYY-MM`; a malformed
 * month or one after the current UTC month is DomainError invalid_request (param `month`); someone
 * else's account is not_found. Amounts in minor units, times in epoch ms.
 */
export async function buildStatement(ctx: AppContext, userId: string, accountId: string, uncheckedMonth: string): Promise<StatementData> {
  const db = ctx.storage.db;
  const account = await findOwnedAccount(db, userId, accountId);
  const issuedAtMs = nowMsBig(ctx);
  const month = parseStatementMonth(uncheckedMonth, issuedAtMs);
  const [opening, closing, holder] = await Promise.all([
    lastEntryBefore(db, account.id, month.startMs),
    lastEntryBefore(db, account.id, month.endMs),
    findUserById(db, userId),
  ]);
  if (!holder) throw new DomainError('not_found', 'No such account.', 'account_id');
  const openingMinor = opening?.balanceAfterMinor ?? 0n;
  const entries =
    closing === undefined || closing.seq === opening?.seq
      ? []
      : await entriesInRange(db, ctx.storage.dialect, {
          accountId: account.id,
          afterSeq: opening?.seq,
          upToSeq: closing.seq,
          limit: STATEMENT_MAX_TRANSACTIONS + 1,
        });
  if (entries.length > STATEMENT_MAX_TRANSACTIONS)
    throw new Error(`account ${account.id} has more than ${STATEMENT_MAX_TRANSACTIONS} transactions in ${month.text}`);
  const transactions = entries.map((e) => transactionView(e, account.currency));
  const figures = statementFigures(
    openingMinor,
    transactions.map((t) => ({ amountMinor: t.amountMinor, direction: t.direction, balanceAfterMinor: t.balanceAfterMinor })),
  );
  // The head sealed by the month's last millisecond (chain-repository.ts); the latest one for an interim month.
  const head = month.final ? await chainHeadAt(db, { atOrBeforeMs: month.endMs - 1n }) : await latestHead(db);
  return {
    account: { id: account.id, number: account.number, currency: account.currency, holder: holder.username },
    month,
    openingMinor,
    figures,
    transactions,
    ledgerHead: head ? { seq: head.seq, hash: head.hash } : EMPTY_CHAIN_HEAD,
    issuedAtMs,
  };
}
