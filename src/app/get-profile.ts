import { findAccountsByUserWithFreezes } from '../storage/repositories/account-repository.js';
import type { AppContext } from './context.js';
import { findOwnedAccount } from './owned-account.js';
import { accountView, type AccountView, type UserView } from './views.js';

/** An account as its owner sees it: with the reason bank staff gave when they froze it (issue 15), else null. */
export type OwnAccountView = AccountView & { frozenReason: string | null };

/**
 * The signed-in user and their accounts. The user comes from authentication, which has just read
 * the user's row with the token's liveness check, so it is not read again.
 */
export async function getProfile(ctx: AppContext, user: UserView): Promise<{ user: UserView; accounts: OwnAccountView[] }> {
  return { user, accounts: await listAccounts(ctx, user.id) };
}

/** A user's accounts, oldest (primary) first, each with why it is frozen (one read: a join). */
export async function listAccounts(ctx: AppContext, userId: string): Promise<OwnAccountView[]> {
  const rows = await findAccountsByUserWithFreezes(ctx.storage.db, userId);
  return rows.map(({ frozen_reason, ...row }) => ({ ...accountView(row), frozenReason: row.status === 'frozen' ? frozen_reason : null }));
}

export async function getAccount(ctx: AppContext, userId: string, accountId: string): Promise<AccountView> {
  return accountView(await findOwnedAccount(ctx.storage.db, userId, accountId));
}
