/**
 * Reversals (issue 15 item 2; contract "Operators (round 2)"; docs/ledger.md "Reversals"): the
 * rules, pure. A reversal is a new ledger transaction whose entries mirror the original's (every
 * entry negated, on the same accounts), linked by `reversal_of`; the original is never touched.
 * Its public type is "reversal"; the stored type says which way the money went (migration 016).
 */
import { DomainError } from './errors.js';

/** The stored type of a ledger transaction (migration 001's CHECK). */
export type StoredType = 'deposit' | 'withdrawal' | 'transfer';
/** The type clients see: the stored one, or "reversal" for a transaction that reverses another. */
export type PublicType = StoredType | 'reversal';

/** How long a reversal waits for a second admin before it expires: 24 hours, in ms (contract). */
export const APPROVAL_LIFETIME_MS = 24n * 60n * 60n * 1000n;

/** One entry as stored: a signed amount (minor units; negative debits) on an account. */
export interface StoredEntry {
  accountId: string;
  amountMinor: bigint;
}

/** A ledger transaction as the reversal rules see it. */
export interface StoredTransaction {
  id: string;
  type: StoredType;
  reversalOf: string | null;
  currency: string;
  entries: readonly StoredEntry[];
}

/** What a reversal moves: `amountMinor` from `fromAccountId` back to `toAccountId`, stored as `storedType`. */
export interface ReversalPlan {
  fromAccountId: string;
  toAccountId: string;
  amountMinor: bigint;
  currency: string;
  storedType: StoredType;
}

const MIRROR: Readonly<Record<StoredType, StoredType>> = { deposit: 'withdrawal', withdrawal: 'deposit', transfer: 'transfer' };

/** The public type of a stored transaction. */
export const publicType = (stored: StoredType, reversalOf: string | null | undefined): PublicType => (reversalOf ? 'reversal' : stored);

/**
 * The reversal of `original`: the money its credit side received goes back to its debit side (a
 * transfer's payee pays the payer back, a deposit's account pays the cash back, a withdrawal's cash
 * pays the account back), the same amount, stored with the mirrored type.
 * @throws DomainError invalid_request (param `transaction_id`) when `original` is itself a reversal:
 * reversing a reversal would move the original's money again, a new movement staff do not make.
 * @throws Error when the original is not one debit and its matching credit (a damaged ledger).
 */
export function planReversal(original: StoredTransaction): ReversalPlan {
  if (original.reversalOf !== null) {
    throw new DomainError('invalid_request', 'This transaction is itself a reversal; it cannot be reversed.', 'transaction_id');
  }
  const debit = original.entries.find((e) => e.amountMinor < 0n);
  const credit = original.entries.find((e) => e.amountMinor > 0n);
  if (original.entries.length !== 2 || !debit || !credit || debit.amountMinor !== -credit.amountMinor) {
    throw new Error(`transaction ${original.id} is not one debit and its matching credit`);
  }
  return {
    fromAccountId: credit.accountId,
    toAccountId: debit.accountId,
    amountMinor: credit.amountMinor,
    currency: original.currency,
    storedType: MIRROR[original.type],
  };
}

/** True when a reversal of `amountMinor` waits for a second admin (REVERSAL_APPROVAL_MINOR, contract). */
export const needsApproval = (amountMinor: bigint, thresholdMinor: bigint): boolean => amountMinor >= thresholdMinor;

/** A reversal approval's state as read at `nowMs`: a pending one past its expiry reads `expired`. */
export function approvalState(stored: 'pending' | 'approved' | 'expired', expiresAtMs: bigint, nowMs: bigint): 'pending' | 'approved' | 'expired' {
  return stored === 'pending' && nowMs >= expiresAtMs ? 'expired' : stored;
}

/**
 * What `minibank verify` finds wrong with one stored reversal against its original (issue 15 item
 * 3): none when every entry of the reversal negates an entry of the original on the same account,
 * both have as many entries, the stored types mirror, and the original is not itself a reversal.
 */
export function reversalProblems(reversal: StoredTransaction, original: StoredTransaction | undefined): string[] {
  if (!original) return [`reversal ${reversal.id} reverses ${reversal.reversalOf}, which is not in the ledger`];
  const problems: string[] = [];
  if (original.reversalOf !== null) problems.push(`reversal ${reversal.id} reverses ${original.id}, itself a reversal`);
  if (MIRROR[original.type] !== reversal.type)
    problems.push(`reversal ${reversal.id} is stored as ${reversal.type}; reversing a ${original.type} is a ${MIRROR[original.type]}`);
  const mirrored = reversal.entries.every((r) => original.entries.some((o) => o.accountId === r.accountId && o.amountMinor === -r.amountMinor));
  if (!mirrored || reversal.entries.length !== original.entries.length) {
    problems.push(`reversal ${reversal.id} does not mirror ${original.id}: amounts or accounts differ`);
  }
  return problems;
}
