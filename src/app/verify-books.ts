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
import { verifyHolds } from './verify-holds.js';
import { verifyChain } from './verify-chain.js';
import { verifyReversals } from './verify-reversals.js';

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

/** Collects what the checks find; a check that cannot run is itself a finding, never a crash. */
interface Findings {
  problems: string[];
  check(what: string, run: () => Promise<void>): Promise<void>;
  /** Names the first MAX_NAMED rows, then says how many more of `kind` there are. */
  named<T>(rows: T[], describe: (row: T) => string, kind: string): void;
}

function findings(): Findings {
  const problems: string[] = [];
  return {
    problems,
    async check(what, run) {
      try {
        await run();
      } catch (error) {
        problems.push(`could not check ${what}: ${(error as Error).message}`);
      }
    },
    named(rows, describe, kind) {
      for (const row of rows.slice(0, MAX_NAMED)) problems.push(describe(row));
      if (rows.length > MAX_NAMED) problems.push(`... and ${rows.length - MAX_NAMED} more ${kind}`);
    },
  };
}

/**
 * `minibank verify`: recomputes the books from the stored rows (docs/ledger.md). Every check runs on
 * its own, so one that cannot run (a damaged value) is reported and the others still run; the
 * report lists every problem found (at most MAX_NAMED named per kind) and the row counts. Never throws
 * for what it finds; `ok` is false when anything is wrong.
 */
export async function verifyBooks(db: Db): Promise<BooksReport> {
  const found = findings();
  await checkStoredValues(db, found);
  await checkTransactions(db, found);
  await checkCachedBalances(db, found);
  await checkBalanceRules(db, found);
  // Issue 14 item 2: held == the sum of pending holds per account, and available >= 0.
  await found.check('held amounts against pending holds', async () => void found.problems.push(...(await verifyHolds(db)).problems));
  // Issue 15: every reversal mirrors its original, at most one per original.
  await found.check('reversals against their originals', async () => void found.problems.push(...(await verifyReversals(db)).problems));
  // Issue 16 item 2: the hash chain, so an edit with balances "fixed" to match is still found.
  await found.check('the hash chain', async () => void found.problems.push(...(await verifyChain(db)).problems));
  const problems = found.problems;
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

/** Every stored amount is a whole number within the bound (issue 11 class 5). */
async function checkStoredValues(db: Db, found: Findings): Promise<void> {
  await found.check('stored values', async () => {
    const accounts = await books.accountsWithBalanceOutOfBound(db, MAX_NAMED + 1);
    found.named(
      accounts,
      (r) => `account ${r.number} holds balance ${r.value}, not a whole number within ±${MAX_BALANCE_MINOR}`,
      'accounts with such a balance',
    );
    for (const column of ['amount', 'balance_after'] as const) {
      const entries = await books.entriesWithValueOutOfBound(db, column, MAX_NAMED + 1);
      found.named(
        entries,
        (r) => `transaction ${r.id} has an entry with ${column} ${r.value}, not a whole number within ±${MAX_BALANCE_MINOR}`,
        `entries with such a ${column}`,
      );
    }
  });
}

/** Every transaction sums to zero and has at least two entries. */
async function checkTransactions(db: Db, found: Findings): Promise<void> {
  await found.check('that every transaction sums to zero', async () => {
    const unbalanced = await books.unbalancedTransactions(db);
    found.named(unbalanced, (r) => `transaction ${r.id} does not sum to zero in ${r.currency} (off by ${exact(r.total)})`, 'unbalanced transactions');
  });

  await found.check('that every transaction has two entries', async () => {
    const thin = await books.thinTransactions(db);
    found.named(thin, (r) => `transaction ${r.id} has ${exact(r.n)} entries; it needs at least two`, 'thin transactions');
  });
}

/** Cached balances agree with the sum of their entries and with the last entry. */
async function checkCachedBalances(db: Db, found: Findings): Promise<void> {
  await found.check('cached balances against their entries', async () => {
    const cached = await books.cachedBalancesAndEntrySums(db);
    const wrong = cached.filter((r) => exact(r.balance) !== (r.total === null ? 0n : exact(r.total)));
    found.named(
      wrong,
      (r) => `account ${r.number} caches balance ${exact(r.balance)} but its entries sum to ${r.total === null ? 0n : exact(r.total)}`,
      'accounts whose cache is wrong',
    );
  });

  await found.check('cached balances against their last entry', async () => {
    const lastEntry = await books.cachedBalancesAndLastEntries(db);
    const wrong = lastEntry.filter((r) => exact(r.balance) !== exact(r.balanceAfter));
    found.named(
      wrong,
      (r) => `account ${r.number}: last entry says balance ${exact(r.balanceAfter)}, account says ${exact(r.balance)}`,
      'accounts whose last entry disagrees',
    );
  });
}

/** Each currency sums to zero; no user balance is negative. */
async function checkBalanceRules(db: Db, found: Findings): Promise<void> {
  await found.check('that the balances of each currency sum to zero', async () => {
    for (const row of await books.balanceSumsPerCurrency(db)) {
      const total = exact(row.total);
      if (total !== 0n) found.problems.push(`balances in ${row.currency} sum to ${total}, not zero`);
    }
  });

  await found.check('that no user balance is negative', async () => {
    const negative = await books.negativeUserAccounts(db);
    found.named(negative, (r) => `user account ${r.number} is negative: ${exact(r.balance)}`, 'negative user accounts');
  });
}
