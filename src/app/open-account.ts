import { makeAccountNumber } from '../domain/account-number.js';
import { insertAccount, insertAccountUnlessCurrencyHasOne } from '../storage/repositories/account-repository.js';
import type { Account } from '../storage/repositories/account-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';

/**
 * Opens an account inside the caller's transaction, and the bank's cash account for its currency
 * if this is the first account in that currency (deposits are drawn from it).
 */
export async function openAccount(ctx: AppContext, trx: Trx, owner: { userId: string | null; currency: string }): Promise<Account> {
  if (owner.userId !== null) await ensureSystemAccount(ctx, trx, owner.currency);
  const row: Account = {
    id: ctx.random.uuid(),
    number: makeAccountNumber(ctx.random.digits(10)),
    user_id: owner.userId,
    kind: owner.userId === null ? 'system' : 'user',
    currency: owner.currency,
    balance: 0n,
    status: 'active',
    created_at: nowMsBig(ctx),
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
