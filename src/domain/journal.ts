/**
 * A journal is the set of entries of one ledger transaction. It is only ever built here, and this
 * function refuses to build one that does not balance, so no code path can write money into or out
 * of nowhere.
 */
import { MAX_BALANCE_MINOR } from './money.js';

export interface JournalLine {
  accountId: string;
  currency: string;
  /** Signed: positive credits the account, negative debits it. */
  amountMinor: bigint;
}

declare const balanced: unique symbol;
export type Journal = readonly JournalLine[] & { readonly [balanced]: true };

export function buildJournal(lines: readonly JournalLine[]): Journal {
  if (lines.length < 2) throw new Error('a journal needs at least two lines');
  const sums = new Map<string, bigint>();
  const accounts = new Set<string>();
  for (const line of lines) {
    if (line.amountMinor === 0n) throw new Error('a journal line cannot be zero');
    // Issue 11 class 5: no stored amount passes the bound (callers check amounts long before this).
    if (line.amountMinor > MAX_BALANCE_MINOR || line.amountMinor < -MAX_BALANCE_MINOR) throw new Error('a journal line is past the bound on stored amounts');
    if (accounts.has(line.accountId)) throw new Error('an account appears twice in one journal');
    accounts.add(line.accountId);
    sums.set(line.currency, (sums.get(line.currency) ?? 0n) + line.amountMinor);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) throw new Error(`journal does not balance in ${currency}: off by ${sum}`);
  }
  return Object.freeze([...lines]) as unknown as Journal;
}

/** The journal of moving `amountMinor` from one account to another in the same currency. */
export function transferJournal(fromAccountId: string, toAccountId: string, currency: string, amountMinor: bigint): Journal {
  if (amountMinor <= 0n) throw new Error('a movement must be positive');
  return buildJournal([
    { accountId: fromAccountId, currency, amountMinor: -amountMinor },
    { accountId: toAccountId, currency, amountMinor },
  ]);
}
