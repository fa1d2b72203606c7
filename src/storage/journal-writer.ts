/**
 * The one seam through which a movement reaches the ledger (issue 12 item 1). Each database has
 * one implementation (storage/dialects/sqlite/journal-writer.ts, storage/dialects/postgres/
 * journal-writer.ts), chosen when the storage is opened; src/app calls `storage.journal.post`
 * without knowing which database it has.
 */
import type { Journal } from '../domain/journal.js';
import type { MovementFacts, MovementParty } from '../domain/movement-rules.js';
import type { NewLedgerTransaction } from './repositories/ledger-repository.js';
import type { Trx } from './storage.js';

/** An account as read before posting: its id, and what the rules need (movement-rules.ts). */
export type PostingAccount = MovementParty & { id: string };

export interface Posting {
  /** The payer and the payee as read in this transaction (SQLite decides on them; PostgreSQL re-reads under its locks). */
  from: PostingAccount;
  to: PostingAccount;
  /** One debit of `from` and its matching credit of `to` (transferJournal). */
  journal: Journal;
  transaction: NewLedgerTransaction;
  /** Test hook (fault injection): runs with the debit written and the movement not yet committed. */
  afterDebit?: () => void | Promise<void>;
}

/**
 * What came of a posting: written, with both new balances; or refused, with the facts that refused
 * it (the caller names the refusal with movement-rules' `refusalOf`). Nothing is written on a refusal.
 */
export type PostingOutcome = { kind: 'posted'; balances: { from: bigint; to: bigint } } | { kind: 'refused'; facts: MovementFacts };

export interface JournalWriter {
  /**
   * Decides the movement on the locked rows by movement-rules.ts (issue 11 classes 5 and 6) and, when
   * approved, writes both balances and the ledger transaction with its two entries inside `trx`.
   * @throws Error when the journal is not one debit and its matching credit on two accounts.
   */
  post(trx: Trx, posting: Posting): Promise<PostingOutcome>;
}

/** One line of a journal as the writers read it: a signed amount on an account (negative debits it). */
export interface MovementLine {
  accountId: string;
  amountMinor: bigint;
}

/** The amount and the two accounts of a two-line journal, checked to be a debit and its matching credit. */
export function legsOf(journal: readonly MovementLine[]): { fromId: string; toId: string; amountMinor: bigint } {
  const [debit, credit] = journal;
  if (
    journal.length !== 2 ||
    !debit ||
    !credit ||
    debit.amountMinor >= 0n ||
    credit.amountMinor !== -debit.amountMinor ||
    debit.accountId === credit.accountId
  ) {
    throw new Error('a posted movement is one debit and its matching credit on two different accounts');
  }
  return { fromId: debit.accountId, toId: credit.accountId, amountMinor: credit.amountMinor };
}
