/**
 * Declining (the payer) and cancelling (the requester) a payment request: a pending request becomes
 * `declined` or `cancelled` once, by the same conditional update that pays it, so a decline racing
 * a payment or a cancel ends with exactly one of them. Nothing moves either way.
 */
import { recordPaymentRequestChange } from './change-events.js';
import { webhooksOn } from './outbox.js';
import { nowMsBig, type AppContext } from './context.js';
import { claimOrRefuse } from './pay-payment-request.js';
import { findPaymentRequest, resolvePaymentRequest } from '../storage/repositories/payment-request-repository.js';
import { paymentRequestView, type PaymentRequestView } from './payment-request-view.js';

export type RequestAnswer = 'decline' | 'cancel';

/**
 * Declines (as the payer) or cancels (as the requester) the request; returns it after the change.
 * @throws DomainError not_found (no such request, or the caller is not on that side of it),
 * request_not_pending (already paid, declined, cancelled, or expired).
 */
export async function answerPaymentRequest(ctx: AppContext, userId: string, requestId: string, answer: RequestAnswer): Promise<PaymentRequestView> {
  const nowMs = nowMsBig(ctx);
  const status = answer === 'decline' ? 'declined' : 'cancelled';
  return ctx.storage.writeTransaction(async (trx) => {
    await claimOrRefuse(trx, { id: requestId, userId, role: answer === 'decline' ? 'incoming' : 'outgoing', nowMs });
    if (!(await resolvePaymentRequest(trx, { id: requestId, status, nowMs, transactionId: null })))
      throw new Error('payment request: claimed but not resolved');
    const row = await findPaymentRequest(trx, requestId);
    if (!row) throw new Error('payment request: resolved but not found');
    const view = paymentRequestView(row, nowMs);
    if (webhooksOn(ctx)) await recordPaymentRequestChange(ctx, trx, view, [row.to_account_id]);
    return view;
  });
}
