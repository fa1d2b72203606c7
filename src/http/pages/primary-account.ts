import type { AppContext } from '../../app/context.js';
import { listAccounts } from '../../app/get-profile.js';
import type { AccountView } from '../../app/views.js';

/** The account the pages work on: the user's first (primary) account, opened at sign-up. */
export async function primaryAccount(ctx: AppContext, userId: string): Promise<AccountView> {
  const accounts = await listAccounts(ctx, userId);
  const account = accounts[0];
  if (!account) throw new Error(`user ${userId} has no account`);
  return account;
}
