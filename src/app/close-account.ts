import { DomainError } from '../domain/errors.js';
import { isOpen } from '../domain/movement-rules.js';
import { closeUserAccountIfEmpty, countOpenAccounts, lockOwnerForAccountChange } from '../storage/repositories/account-lifecycle-repository.js';
import type { Account } from '../storage/repositories/account-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { findOwnedAccount } from './owned-account.js';
import { accountView, type AccountView } from './views.js';

/**
 * Closes one of the user's accounts (issue 14 item 1; contract "Accounts (round 2)": POST
 * /api/v1/accounts/{id}/close). Closing an account already closed answers it as it is (the state
 * asked for already holds). The close itself is one conditional statement on the locked row
 * (account-lifecycle-repository.ts, CLOSE_REQUIRES): a deposit racing it either lands first and the
 * close is refused, or queues behind it and is refused with `account_closed`.
 * @throws DomainError not_found (another user's account, or none), last_account (the user's only
 * open account), account_frozen (operators froze it), account_not_empty (money, or anything else
 * CLOSE_REQUIRES names, such as pending holds or requests).
 */
export async function closeAccount(ctx: AppContext, userId: string, accountId: string): Promise<AccountView> {
  return ctx.storage.writeTransaction(async (trx) => {
    const before = await findOwnedAccount(trx, userId, accountId);
    if (!isOpen(before)) return accountView(before);
    await lockOwnerForAccountChange(trx, ctx.storage.dialect, userId, before.id);
    if ((await countOpenAccounts(trx, userId)) <= 1) {
      throw new DomainError('last_account', 'This is your only open account; open another before closing it.');
    }
    const closed = await closeUserAccountIfEmpty(trx, userId, before.id, nowMsBig(ctx));
    if (closed) return accountView(closed);
    const now = await findOwnedAccount(trx, userId, before.id);
    // A close that raced this one and won: the account is closed, as asked.
    if (!isOpen(now)) return accountView(now);
    throw whyNotClosed(now);
  });
}

/** The refusal of a close that the conditional statement did not make, read from the open row as it is now. */
function whyNotClosed(now: Account): DomainError {
  if (now.status !== 'active') return new DomainError('account_frozen', 'This account is frozen; it cannot be closed until it is unfrozen.');
  return new DomainError('account_not_empty', 'Move the money out of this account (and settle its pending holds and requests) before closing it.');
}
