import { DomainError } from '../domain/errors.js';
import { accountClosed, currencyMismatch, isOpen, sameAccount } from '../domain/movement-rules.js';
import { resolvePayee } from './move-money.js';
import type { AppContext } from './context.js';
import { findOwnedAccount } from './owned-account.js';

export interface PayeePreview {
  username: string | null;
  accountNumber: string;
}

/**
 * Who a transfer would pay, for the review step before money moves. Uses the same payee rules as the
 * transfer itself (move-money's resolvePayee) and refuses early what the transfer would refuse.
 * Reads only; the transfer re-checks everything when it runs.
 */
export async function previewPayee(ctx: AppContext, userId: string, fromAccountId: string, to: string): Promise<PayeePreview> {
  return ctx.storage.db.transaction().execute(async (trx) => {
    const from = await findOwnedAccount(trx, userId, fromAccountId, 'from_account_id');
    const payee = await resolvePayee(trx, to, from.currency);
    // The refusals are movement-rules' (issue 12 item 1): the same words as the transfer's.
    if (payee.id === from.id) throw sameAccount();
    if (!isOpen(from) || !isOpen(payee)) throw accountClosed();
    if (payee.currency !== from.currency) throw currencyMismatch({ from: from.currency, to: payee.currency });
    // resolvePayee read the owner's name with the account (null only for an account without an owner).
    return { username: payee.ownerUsername ?? null, accountNumber: payee.number };
  });
}

/**
 * Whose account a `to` names, so an API client can show the payee's name before sending (GET
 * /api/v1/payees, issue 11 class 3), read by the same rule as the transfer (resolvePayee): a
 * number-shaped `to` is only ever an account number. A username names that user's first account.
 * @throws DomainError invalid_request (a number-shaped typo) or not_found, both with param "to".
 */
export async function lookUpPayee(ctx: AppContext, to: string): Promise<{ username: string; accountNumber: string }> {
  const payee = await resolvePayee(ctx.storage.db, to);
  if (payee.ownerUsername === undefined) throw new DomainError('not_found', 'No account matches that payee.', 'to');
  return { username: payee.ownerUsername, accountNumber: payee.number };
}
