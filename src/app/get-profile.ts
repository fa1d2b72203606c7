import { DomainError } from '../domain/errors.js';
import { findAccountsByUser } from '../storage/repositories/account-repository.js';
import { findUserById } from '../storage/repositories/user-repository.js';
import type { AppContext } from './context.js';
import { findOwnedAccount } from './owned-account.js';
import { accountView, userView, type AccountView, type UserView } from './views.js';

export async function getProfile(ctx: AppContext, userId: string): Promise<{ user: UserView; accounts: AccountView[] }> {
  const user = await findUserById(ctx.storage.db, userId);
  if (!user) throw new DomainError('unauthenticated', 'This user no longer exists.');
  const accounts = await findAccountsByUser(ctx.storage.db, userId);
  return { user: userView(user), accounts: accounts.map(accountView) };
}

export async function getAccount(ctx: AppContext, userId: string, accountId: string): Promise<AccountView> {
  return accountView(await findOwnedAccount(ctx.storage.db, userId, accountId));
}
