/**
 * What use cases hand back: plain values in domain terms (bigint money, epoch-ms times). The HTTP
 * layer turns them into the contract's JSON shapes and the pages into HTML.
 */
import type { Account } from '../storage/repositories/account-repository.js';
import type { User } from '../storage/repositories/user-repository.js';
import type { EntryView } from '../storage/repositories/history-repository.js';
import { publicType, type PublicType } from '../domain/reversal.js';

export interface UserView {
  id: string;
  username: string;
  createdAtMs: bigint;
}

export interface AccountView {
  id: string;
  number: string;
  currency: string;
  balanceMinor: bigint;
  /** balance minus the pending holds this account pays (issue 14 item 2): what it may still spend. */
  availableMinor: bigint;
  /** `closed` when its owner closed it (closed_at, migration 009), else what operators set. */
  status: 'active' | 'frozen' | 'closed';
  /** 1..40 characters, chosen by its owner. */
  name: string;
  createdAtMs: bigint;
}

export interface TransactionView {
  id: string;
  /** "reversal" for a staff reversal (issue 15, derived from its link, migration 016). */
  type: PublicType;
  amountMinor: bigint;
  direction: 'credit' | 'debit';
  balanceAfterMinor: bigint;
  currency: string;
  memo: string | null;
  counterparty: { username: string; accountNumber: string } | null;
  createdAtMs: bigint;
  /** Internal cursor for keyset pagination; never shown to clients. */
  cursor: bigint;
}

export const userView = (row: Pick<User, 'id' | 'username' | 'created_at'>): UserView => ({
  id: row.id,
  username: row.username,
  createdAtMs: BigInt(row.created_at),
});

export const accountView = (row: Account): AccountView => ({
  id: row.id,
  number: row.number,
  currency: row.currency,
  balanceMinor: BigInt(row.balance),
  availableMinor: BigInt(row.balance) - BigInt(row.held ?? 0n),
  status: row.closed_at !== null && row.closed_at !== undefined ? 'closed' : row.status,
  name: row.name,
  createdAtMs: BigInt(row.created_at),
});

export function transactionView(entry: EntryView, currency: string): TransactionView {
  const credit = entry.amountMinor > 0n;
  return {
    id: entry.transactionId,
    type: publicType(entry.type, entry.reversalOf),
    amountMinor: credit ? entry.amountMinor : -entry.amountMinor,
    direction: credit ? 'credit' : 'debit',
    balanceAfterMinor: entry.balanceAfterMinor,
    currency,
    memo: entry.memo,
    counterparty:
      entry.counterpartyUsername !== null && entry.counterpartyAccountNumber !== null
        ? { username: entry.counterpartyUsername, accountNumber: entry.counterpartyAccountNumber }
        : null,
    createdAtMs: entry.createdAtMs,
    cursor: entry.entrySeq,
  };
}
