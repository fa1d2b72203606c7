/**
 * Asking someone to pay (contract "Payment requests (round 2)"): into one of the requester's own
 * accounts, from a payer named by username or account number (the payee rule, domain/payee.ts).
 * Nothing moves; the request waits for the payer. At most MAX_PENDING_REQUESTS are pending per
 * requester, counted and inserted under the requester's lock so parallel creates never exceed it.
 */
import { recordPaymentRequestCreated } from './change-events.js';
import { DomainError } from '../domain/errors.js';
import { isOpen } from '../domain/movement-rules.js';
import { parsePayee } from '../domain/payee.js';
import { requestExpiresAtMs, requestToSelf, tooManyPendingRequests } from '../domain/payment-request.js';
import { findAccountByNumberWithOwner, type Account } from '../storage/repositories/account-repository.js';
import { countPendingOutgoing, findPaymentRequest, insertPaymentRequest, lockRequester } from '../storage/repositories/payment-request-repository.js';
import { findUserByUsername } from '../storage/repositories/user-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { findOwnedAccount } from './owned-account.js';
import { paymentRequestView, type PaymentRequestView } from './payment-request-view.js';

export interface NewRequestInput {
  /** One of the requester's accounts: the money will arrive there, in its currency. */
  toAccountId: string;
  /** The payer: a username or an account number, as typed. */
  from: string;
  /** Minor units, already checked (1..MAX_AMOUNT_MINOR) by the edge. */
  amountMinor: bigint;
  memo: string | null;
  /** Seconds, 60..2592000; default seven days. */
  expiresInS?: number;
}

/**
 * Creates a pending request and returns it.
 * @throws DomainError invalid_request (expires_in, or a number-shaped `from` with bad check digits),
 * not_found (to_account_id not the requester's; `from` names nobody), same_account (the requester
 * themselves), currency_mismatch (`from` is an account in another currency), account_frozen or
 * account_closed (the receiving account cannot receive), limit_reached (MAX_PENDING_REQUESTS).
 */
export async function createPaymentRequest(ctx: AppContext, requesterUserId: string, input: NewRequestInput): Promise<PaymentRequestView> {
  const nowMs = nowMsBig(ctx);
  const expiresAtMs = requestExpiresAtMs(nowMs, input.expiresInS);
  return ctx.storage.writeTransaction(async (trx) => {
    // First the requester's lock: the pending count, and a close of the account (which takes the
    // same lock, account-lifecycle-repository.ts), then wait for this ask or are seen by it.
    await lockRequester(trx, ctx.storage.dialect, requesterUserId);
    const account = await findOwnedAccount(trx, requesterUserId, input.toAccountId, 'to_account_id');
    assertCanReceive(account);
    const payerUserId = await resolvePayer(trx, input.from, account.currency);
    if (payerUserId === requesterUserId) throw requestToSelf();
    if ((await countPendingOutgoing(trx, requesterUserId, nowMs)) >= ctx.config.maxPendingRequests) {
      throw tooManyPendingRequests(ctx.config.maxPendingRequests);
    }
    const id = ctx.random.uuid();
    await insertPaymentRequest(trx, {
      id,
      requester_user_id: requesterUserId,
      to_account_id: account.id,
      payer_user_id: payerUserId,
      amount: input.amountMinor,
      currency: account.currency,
      memo: input.memo,
      expires_at: expiresAtMs,
      created_at: nowMs,
    });
    const row = await findPaymentRequest(trx, id);
    if (!row) throw new Error('payment request: not found right after insert');
    const view = paymentRequestView(row, nowMs);
    await recordPaymentRequestCreated(ctx, trx, view, { payerUserId, toAccountId: account.id });
    return view;
  });
}

/** A frozen or closed account receives nothing, so asking for money into it is refused at once. */
function assertCanReceive(account: Account): void {
  if (!isOpen(account)) throw new DomainError('account_closed', 'This account is closed; it cannot receive money.', 'to_account_id');
  if (account.status !== 'active') throw new DomainError('account_frozen', 'This account is frozen; no money can move in or out.', 'to_account_id');
}

/**
 * The payer's user id, by the payee rule with param "from": an account number names its owner (and
 * must hold `currency`, or paying would be refused anyway), a username names that user.
 */
async function resolvePayer(trx: Trx, from: string, currency: string): Promise<string> {
  const payer = parsePayee(from, 'from');
  if ('accountNumber' in payer) {
    const row = await findAccountByNumberWithOwner(trx, payer.accountNumber);
    if (!row || row.user_id === null) throw payerNotFound();
    if (row.currency !== currency) throw new DomainError('currency_mismatch', `That account holds ${row.currency}; this request is in ${currency}.`, 'from');
    return row.user_id;
  }
  if ('nothing' in payer) throw payerNotFound();
  const user = await findUserByUsername(trx, payer.username);
  if (!user) throw payerNotFound();
  return user.id;
}

const payerNotFound = () => new DomainError('not_found', 'No user or account matches that payer.', 'from');
