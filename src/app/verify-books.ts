/**
 * Checks the books from the stored rows alone, trusting no cached value: the same checks an auditor
 * would run. Used by `minibank verify`, the tests and the chaos harness.
 *
 * It reports, and never crashes on, whatever is stored (issue 11 class 5): a value that is not a
 * whole number (a REAL that SQLite wrote when an old sum overflowed), one past the bound on stored
 * amounts (MAX_BALANCE_MINOR, money.ts), or a sum the database cannot compute. Each check runs on
 * its own, so one that fails is reported as a problem and the others still run.
 */
import { MAX_BALANCE_MINOR } from '../domain/money.js';
import * as books from '../storage/repositories/books-repository.js';
import type { Db } from '../storage/storage.js';

export interface BooksReport {
  ok: boolean;
  problems: string[];
  counts: { transactions: bigint; entries: bigint; accounts: bigint };
}

/** Most rows named per kind of problem; the rest are counted, so a damaged database gives a readable report. */
const MAX_NAMED = 20;

/** A stored or summed value as an exact integer, or its text when it is not one (a float, a string). */
function exact(value: unknown): bigint | string {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isInteger(value) && Number.isSafeInteger(value) ? BigInt(value) : `${value} (not a whole number we can trust)`;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return `${String(value)} (not a whole number)`;
}

export async function verifyBooks(db: Db): Promise<BooksReport> {
  const problems: string[] = [];
  const check = async (what: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      problems.push(`could not check ${what}: ${(error as Error).message}`);
    }
  };
  const named = <T>(rows: T[], describe: (row: T) => string, kind: string) => {
    for (const row of rows.slice(0, MAX_NAMED)) problems.push(describe(row));
    if (rows.length > MAX_NAMED) problems.push(`... and ${rows.length - MAX_NAMED} more ${kind}`);
  };

  await check('stored values', async () => {
    const accounts = await books.accountsWithBalanceOutOfBound(db, MAX_NAMED + 1);
    named(accounts, (r) => `account ${r.number} holds balance ${r.value}, not a whole number within ±${MAX_BALANCE_MINOR}`, 'accounts with such a balance');
    for (const column of ['amount', 'balance_after'] as const) {
      const entries = await books.entriesWithValueOutOfBound(db, column, MAX_NAMED + 1);
      named(
        entries,
        (r) => `transaction ${r.id} has an entry with ${column} ${r.value}, not a whole number within ±${MAX_BALANCE_MINOR}`,
        `entries with such a ${column}`,
      );
    }
  });

  await check('that every transaction sums to zero', async () => {
    const unbalanced = await books.unbalancedTransactions(db);
    named(unbalanced, (r) => `transaction ${r.id} does not sum to zero in ${r.currency} (off by ${exact(r.total)})`, 'unbalanced transactions');
  });

  await check('that every transaction has two entries', async () => {
    const thin = await books.thinTransactions(db);
    named(thin, (r) => `transaction ${r.id} has ${exact(r.n)} entries; it needs at least two`, 'thin transactions');
  });

  await check('cached balances against their entries', async () => {
    const cached = await books.cachedBalancesAndEntrySums(db);
    const wrong = cached.filter((r) => exact(r.balance) !== (r.total === null ? 0n : exact(r.total)));
    named(
      wrong,
      (r) => `account ${r.number} caches balance ${exact(r.balance)} but its entries sum to ${r.total === null ? 0n : exact(r.total)}`,
      'accounts whose cache is wrong',
    );
  });

  await check('cached balances against their last entry', async () => {
    const lastEntry = await books.cachedBalancesAndLastEntries(db);
    const wrong = lastEntry.filter((r) => exact(r.balance) !== exact(r.balanceAfter));
    named(
      wrong,
      (r) => `account ${r.number}: last entry says balance ${exact(r.balanceAfter)}, account says ${exact(r.balance)}`,
      'accounts whose last entry disagrees',
    );
  });

  await check('that the balances of each currency sum to zero', async () => {
    for (const row of await books.balanceSumsPerCurrency(db)) {
      const total = exact(row.total);
      if (total !== 0n) problems.push(`balances in ${row.currency} sum to ${total}, not zero`);
    }
  });

  await check('that no user balance is negative', async () => {
    const negative = await books.negativeUserAccounts(db);
    named(negative, (r) => `user account ${r.number} is negative: ${exact(r.balance)}`, 'negative user accounts');
  });

  const count = async (table: 'ledger_transactions' | 'entries' | 'accounts') => {
    const n = exact(await books.countRows(db, table));
    return typeof n === 'bigint' ? n : -1n;
  };
  return {
    ok: problems.length === 0,
    problems,
    counts: { transactions: await count('ledger_transactions'), entries: await count('entries'), accounts: await count('accounts') },
  };
}
