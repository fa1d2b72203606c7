import type { AppContext } from '../../app/context.js';
import { listAccounts, type OwnAccountView } from '../../app/get-profile.js';
import type { AccountView } from '../../app/views.js';
import { DomainError } from '../../domain/errors.js';

/** The user's accounts and the one a page works on. */
export interface PageAccounts {
  accounts: OwnAccountView[];
  account: OwnAccountView;
}

/**
 * The accounts of a page (issue 14 item 1), in one read: all of the user's accounts, oldest first,
 * and the one the page works on: `requestedId` (a query's or form's `account`) when it is one of
 * theirs, else the first open account, else the first (a user always has one, opened at sign-up).
 * @throws DomainError not_found for an `account` that is not one of the user's (the 404 page).
 */
export async function pageAccounts(ctx: AppContext, userId: string, requestedId?: string): Promise<PageAccounts> {
  const accounts = await listAccounts(ctx, userId);
  const fallback = accounts.find((a) => a.status !== 'closed') ?? accounts[0];
  if (!fallback) throw new Error(`user ${userId} has no account`);
  if (requestedId === undefined || requestedId === '') return { accounts, account: fallback };
  const account = accounts.find((a) => a.id === requestedId);
  if (!account) throw new DomainError('not_found', 'No such account.', 'account');
  return { accounts, account };
}

/** The account a page works on (pageAccounts' choice), when the page needs only that one. */
export async function primaryAccount(ctx: AppContext, userId: string, requestedId?: string): Promise<OwnAccountView> {
  return (await pageAccounts(ctx, userId, requestedId)).account;
}

/** An account as a page's account select shows it: "Name (USD, •••• 9012)". */
export function accountOption(account: AccountView): { id: string; label: string } {
  return { id: account.id, label: `${account.name} (${account.currency}, •••• ${account.number.slice(-4)})` };
}

/** A query string's or form's `account` field, when it is a single string. */
export function requestedAccount(source: unknown): string | undefined {
  const value = (source as { account?: unknown } | undefined)?.account;
  return typeof value === 'string' ? value : undefined;
}
