import { findAccountsByUser } from '../storage/repositories/account-repository.js';
import type { AppContext } from './context.js';
import { findOwnedAccount } from './owned-account.js';
import { accountView, type AccountView, type UserView } from './views.js';

/**
 * The signed-in user and their accounts. The user comes from authentication, which has just read
 * the user's row with the token's liveness check, so it is not read again.
 */
export async function getProfile(ctx: AppContext, user: UserView): Promise<{ user: UserView; accounts: AccountView[] }> {
  return { user, accounts: await listAccounts(ctx, user.id) };
}

/** A user's accounts, oldest (primary) first. */
export async function listAccounts(ctx: AppContext, userId: string): Promise<AccountView[]> {
  return (await findAccountsByUser(ctx.storage.db, userId)).map(accountView);
}

export async function getAccount(ctx: AppContext, userId: string, accountId: string): Promise<AccountView> {
  return accountView(await findOwnedAccount(ctx.storage.db, userId, accountId));
}
