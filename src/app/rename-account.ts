import { parseAccountName } from '../domain/account-name.js';
import { DomainError } from '../domain/errors.js';
import { renameUserAccount } from '../storage/repositories/account-lifecycle-repository.js';
import type { AppContext } from './context.js';
import { isPlausibleId } from './owned-account.js';
import { accountView, type AccountView } from './views.js';

/**
 * Renames one of the user's accounts (issue 14 item 1; contract "Accounts (round 2)": PATCH
 * /api/v1/accounts/{id}). A closed account may still be renamed: a name moves no money.
 * @throws DomainError invalid_request (param name: 1..40 characters, no control characters);
 * not_found for another user's account or none (the same answer, so ids cannot be probed).
 */
export async function renameAccount(ctx: AppContext, userId: string, accountId: string, uncheckedName: string): Promise<AccountView> {
  const name = parseAccountName(uncheckedName);
  const row = isPlausibleId(accountId) ? await renameUserAccount(ctx.storage.db, userId, accountId, name) : undefined;
  if (!row) throw new DomainError('not_found', 'No such account.', 'account_id');
  return accountView(row);
}
