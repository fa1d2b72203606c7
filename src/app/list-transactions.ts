import { DomainError } from '../domain/errors.js';
import { findEntrySeq, listEntries } from '../storage/repositories/history-repository.js';
import type { AppContext } from './context.js';
import { findOwnedAccount, isPlausibleId, type OwnedAccount } from './owned-account.js';
import { transactionView, type TransactionView } from './views.js';

export const PAGE_SIZE_MAX = 100;
export const PAGE_SIZE_DEFAULT = 20;

export interface TransactionQuery {
  accountId: string;
  limit?: number;
  /** A transaction id: the page starts after it (older transactions). */
  startingAfter?: string;
  /** Only entries with fromMs <= created_at < toMs. */
  fromMs?: number;
  toMs?: number;
  types?: ('deposit' | 'withdrawal' | 'transfer' | 'reversal')[];
}

export interface TransactionPage {
  currency: string;
  data: TransactionView[];
  hasMore: boolean;
}

/** One page of an account's history, newest first, with each row's balance after it. */
export async function listTransactions(ctx: AppContext, userId: string, query: TransactionQuery): Promise<TransactionPage> {
  return listOwnedAccountTransactions(ctx, await findOwnedAccount(ctx.storage.db, userId, query.accountId), query);
}

/** The same, for an account the caller has already checked is the user's (saves reading it again). */
export async function listOwnedAccountTransactions(
  ctx: AppContext,
  account: OwnedAccount,
  query: Omit<TransactionQuery, 'accountId'>,
): Promise<TransactionPage> {
  const db = ctx.storage.db;
  const limit = query.limit ?? PAGE_SIZE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_SIZE_MAX) {
    throw new DomainError('invalid_request', `limit must be between 1 and ${PAGE_SIZE_MAX}.`, 'limit');
  }
  let beforeSeq: bigint | undefined;
  if (query.startingAfter !== undefined) {
    beforeSeq = isPlausibleId(query.startingAfter) ? await findEntrySeq(db, account.id, query.startingAfter) : undefined;
    if (beforeSeq === undefined) throw new DomainError('invalid_request', 'starting_after is not a transaction of this account.', 'starting_after');
  }
  const rows = await listEntries(db, ctx.storage.dialect, {
    accountId: account.id,
    beforeSeq,
    fromMs: query.fromMs === undefined ? undefined : BigInt(query.fromMs),
    toMs: query.toMs === undefined ? undefined : BigInt(query.toMs),
    types: query.types,
    limit: limit + 1,
  });
  return { currency: account.currency, data: rows.slice(0, limit).map((row) => transactionView(row, account.currency)), hasMore: rows.length > limit };
}
