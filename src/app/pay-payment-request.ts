/**
 * Paying a payment request (contract "Payment requests (round 2)"): an ordinary `transfer` from one
 * of the payer's accounts into the requester's, written in the same database transaction as the
 * request's change from pending to paid, so the request is paid exactly once: a second payment, in
 * parallel or later, with the same Idempotency-Key or without one, moves nothing.
 */
import { recordPaymentRequestChange } from './change-events.js';
import { webhooksOn } from './outbox.js';
import { DomainError, isDomainError } from '../domain/errors.js';
import { requestNotFound, requestNotPending, requestStatusAt } from '../domain/payment-request.js';
import { claimPendingRequest, findPaymentRequest, resolvePaymentRequest, type RequestRole } from '../storage/repositories/payment-request-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { runIdempotent, type IdempotentResult, type NamespacedKey } from './idempotency.js';
import { applyMovement, type ActorCredential } from './move-money.js';
import { refusedBy } from './movement-outcome.js';
import { isPlausibleId } from './owned-account.js';
import { paidView, paymentOutcomeCodec, type PaymentOutcome } from './payment-request-outcome.js';
import { paymentRequestView } from './payment-request-view.js';

export interface PayRequestInput {
  requestId: string;
  /** One of the payer's accounts, in the request's currency. */
  fromAccountId: string;
}

/**
 * Pays the request as `payerUserId`; idempotent when a key is given (idempotency.ts). Returns the
 * typed outcome: paid, or refused with nothing moved and the request unchanged.
 * Refusals: not_found (no such request, or the caller is not its payer; from_account_id not theirs),
 * request_not_pending (paid, declined, cancelled or expired), and a transfer's own (insufficient_funds,
 * currency_mismatch with param from_account_id, account_frozen, account_closed...).
 * @throws DomainError idempotency_conflict; any fault that is not a business refusal.
 */
export async function payPaymentRequest(
  ctx: AppContext,
  payerUserId: string,
  input: PayRequestInput,
  idempotency: { key: NamespacedKey; requestHash: string } | undefined,
  via: ActorCredential = {},
): Promise<IdempotentResult<PaymentOutcome>> {
  const work = (trx: Trx) => payInside(ctx, trx, payerUserId, input, via);
  let result: IdempotentResult<PaymentOutcome>;
  if (idempotency) result = await runIdempotent(ctx, { userId: payerUserId, ...idempotency }, work, paymentOutcomeCodec);
  else {
    try {
      result = { outcome: await ctx.storage.writeTransaction(work), replayed: false };
    } catch (error) {
      if (!isDomainError(error)) throw error;
      result = { outcome: refusedBy(error), replayed: false };
    }
  }
  report(ctx, result);
  return result;
}

/** The payment as a transfer for the metrics (observer.ts), as postMovement reports one; never changes the answer. */
function report(ctx: AppContext, { outcome, replayed }: IdempotentResult<PaymentOutcome>): void {
  try {
    if (replayed) ctx.observer?.movement({ type: 'transfer', outcome: 'replayed', currency: null, amountMinor: 0n });
    else if (outcome.kind === 'paid')
      ctx.observer?.movement({ type: 'transfer', outcome: 'ok', currency: outcome.transaction.currency, amountMinor: outcome.transaction.amountMinor });
    else ctx.observer?.movement({ type: 'transfer', outcome: outcome.code, currency: null, amountMinor: 0n });
  } catch {
    // Metrics must never change the answer a client gets.
  }
}

/**
 * The amount (minor units) `payerUserId` would pay for the request, when it is theirs to pay; else
 * undefined (paying then answers not_found). The edges ask it before paying, for the step-up rule
 * (step-up.ts: a request payment of at least STEP_UP_MINOR needs a fresh code, as a transfer does).
 */
export async function amountToPay(ctx: AppContext, payerUserId: string, requestId: string): Promise<bigint | undefined> {
  const row = isPlausibleId(requestId) ? await findPaymentRequest(ctx.storage.db, requestId) : undefined;
  return row && row.payer_user_id === payerUserId ? BigInt(row.amount) : undefined;
}

async function payInside(ctx: AppContext, trx: Trx, payerUserId: string, input: PayRequestInput, via: ActorCredential): Promise<PaymentOutcome> {
  const nowMs = nowMsBig(ctx);
  await claimOrRefuse(trx, { id: input.requestId, userId: payerUserId, role: 'incoming', nowMs });
  const row = await findPaymentRequest(trx, input.requestId);
  if (!row) throw new Error('payment request: claimed but not found');
  const moved = await applyMovement(
    ctx,
    trx,
    payerUserId,
    { type: 'transfer', fromAccountId: input.fromAccountId, to: row.to_account_number, amountMinor: BigInt(row.amount), memo: row.memo },
    via,
  ).catch((error: unknown) => {
    throw asPayRefusal(error);
  });
  if (!(await resolvePaymentRequest(trx, { id: row.id, status: 'paid', nowMs, transactionId: moved.transaction.id }))) {
    throw new Error('payment request: claimed but could not be resolved');
  }
  const paymentRequest = paidView(paymentRequestView(row, nowMs), moved.transaction.id);
  if (webhooksOn(ctx)) await recordPaymentRequestChange(ctx, trx, paymentRequest, [row.to_account_id]);
  return { kind: 'paid', ...moved, paymentRequest };
}

/**
 * Takes the request for this change (claimPendingRequest), or throws why not: not_found when it is
 * not the caller's on that side (or does not exist), request_not_pending when it no longer waits.
 */
export async function claimOrRefuse(trx: Trx, request: { id: string; userId: string; role: RequestRole; nowMs: bigint }): Promise<void> {
  if (!isPlausibleId(request.id)) throw requestNotFound();
  if (await claimPendingRequest(trx, request)) return;
  const row = await findPaymentRequest(trx, request.id);
  const party = request.role === 'incoming' ? row?.payer_user_id : row?.requester_user_id;
  if (!row || party !== request.userId) throw requestNotFound();
  throw requestNotPending(requestStatusAt(row.status, BigInt(row.expires_at), request.nowMs));
}

/** A transfer's refusal in the words of this request: the payee is the request, so a currency clash is the payer's account. */
function asPayRefusal(error: unknown): unknown {
  if (!isDomainError(error)) return error;
  if (error.code === 'currency_mismatch') return new DomainError(error.code, 'That account holds another currency than this request.', 'from_account_id');
  return error;
}
