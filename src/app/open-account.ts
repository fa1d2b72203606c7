import { makeAccountNumber } from '../domain/account-number.js';
import { defaultAccountName, parseAccountName } from '../domain/account-name.js';
import { DomainError } from '../domain/errors.js';
import { countOpenAccounts, lockOwnerForAccountChange } from '../storage/repositories/account-lifecycle-repository.js';
import { insertAccount, insertAccountUnlessCurrencyHasOne } from '../storage/repositories/account-repository.js';
import type { Account } from '../storage/repositories/account-repository.js';
import { isUniqueViolation, type Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { accountView, type AccountView } from './views.js';

const MAX_ATTEMPTS = 4;

/**
 * Opens another account for a signed-in user (issue 14 item 1; contract "Accounts (round 2)").
 * `currency` (default CURRENCY) must be one of CURRENCIES; `name` (default "<currency> account") is
 * 1..40 characters (account-name.ts). At most MAX_ACCOUNTS_PER_USER accounts that are not closed:
 * the count and the insert happen under the owner's lock (account-lifecycle-repository.ts), so
 * parallel opens never pass the limit on either database.
 * @throws DomainError invalid_request (param currency or name), limit_reached.
 */
export async function openUserAccount(ctx: AppContext, userId: string, input: { currency?: string; name?: string }): Promise<AccountView> {
  const currency = input.currency ?? ctx.config.currency;
  if (!ctx.config.currencies.includes(currency)) {
    throw new DomainError('invalid_request', `Accounts can be opened in ${ctx.config.currencies.join(', ')}.`, 'currency');
  }
  const name = parseAccountName(input.name ?? defaultAccountName(currency, false));
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.storage.writeTransaction(async (trx) => {
        await lockOwnerForAccountChange(trx, ctx.storage.dialect, userId);
        if ((await countOpenAccounts(trx, userId)) >= ctx.config.maxAccountsPerUser) {
          throw new DomainError('limit_reached', `You can have at most ${ctx.config.maxAccountsPerUser} open accounts; close one first.`);
        }
        return accountView(await openAccount(ctx, trx, { userId, currency, name }));
      });
    } catch (error) {
      // Only a random account number that collided (astronomically rare) is worth another try.
      if (!isUniqueViolation(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * Opens an account inside the caller's transaction, and the bank's cash account for its currency
 * if this is the first account in that currency (deposits are drawn from it).
 */
export async function openAccount(ctx: AppContext, trx: Trx, owner: { userId: string | null; currency: string; name?: string }): Promise<Account> {
  if (owner.userId !== null) await ensureSystemAccount(ctx, trx, owner.currency);
  const row: Account = {
    id: ctx.random.uuid(),
    number: makeAccountNumber(ctx.random.digits(10)),
    user_id: owner.userId,
    kind: owner.userId === null ? 'system' : 'user',
    currency: owner.currency,
    balance: 0n,
    held: 0n,
    status: 'active',
    created_at: nowMsBig(ctx),
    name: owner.name ?? defaultAccountName(owner.currency, true),
    closed_at: null,
  };
  await insertAccount(trx, row);
  return row;
}

async function ensureSystemAccount(ctx: AppContext, trx: Trx, currency: string): Promise<void> {
  await insertAccountUnlessCurrencyHasOne(trx, {
    id: ctx.random.uuid(),
    number: makeAccountNumber(ctx.random.digits(10)),
    user_id: null,
    kind: 'system',
    currency,
    balance: 0n,
    status: 'active',
    created_at: nowMsBig(ctx),
  });
}
