/**
 * What a hold or payment-request change tells the world (issue 18 items 2 and 5), written in the
 * change's own transaction so a message exists exactly when the change committed: the
 * `hold.updated` and `payment_request.updated` webhooks (only when WEBHOOK_URLS is set: otherwise
 * nothing is built or read) and the payer's "payment request received" notice. Refused changes
 * throw before they get here and idempotent replays never run again: neither emits anything.
 */
import { paymentRequestText } from '../domain/notification-kinds.js';
import type { Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import type { HoldView } from './hold-views.js';
import { notifyUser } from './notify.js';
import { enqueueWebhook, webhooksOn } from './outbox.js';
import type { PaymentRequestView } from './payment-request-view.js';
import type { TransactionView } from './views.js';
import { holdWebhookData, paymentRequestWebhookData, transactionWebhookData } from './webhook-data.js';

/**
 * Queues `hold.updated` for a hold just placed, captured, voided or expired; `accounts` are its
 * payer's and payee's account ids (the per-account delivery order, outbox.ts).
 */
export async function recordHoldChange(ctx: AppContext, trx: Trx, hold: HoldView | (() => Promise<HoldView>), accounts: readonly string[]): Promise<void> {
  if (!webhooksOn(ctx)) return;
  const view = typeof hold === 'function' ? await hold() : hold;
  await enqueueWebhook(ctx, trx, 'hold.updated', holdWebhookData(view), accounts);
}

/** Queues `payment_request.updated` for a request just created, declined, cancelled or paid; `accounts`: the requester's receiving account. */
export async function recordPaymentRequestChange(ctx: AppContext, trx: Trx, request: PaymentRequestView, accounts: readonly string[]): Promise<void> {
  await enqueueWebhook(ctx, trx, 'payment_request.updated', paymentRequestWebhookData(request), accounts);
}

/** A new request: the payer's "payment request received" notice (and its email when they want it), and the webhook. */
export async function recordPaymentRequestCreated(
  ctx: AppContext,
  trx: Trx,
  request: PaymentRequestView,
  parties: { payerUserId: string; toAccountId: string },
): Promise<void> {
  await notifyUser(
    ctx,
    trx,
    parties.payerUserId,
    'payment_request_received',
    paymentRequestText(request.amountMinor, request.currency, request.requester.username),
  );
  await recordPaymentRequestChange(ctx, trx, request, [parties.toAccountId]);
}

/**
 * A capture posts a transfer through the journal seam itself (resolve-hold.ts), not through
 * move-money.ts, so its `transaction.created` (the transfer as the capturing payee got it) is queued
 * here, with the hold's `hold.updated`; `accounts`: payer's and payee's account ids.
 */
export async function recordCapture(ctx: AppContext, trx: Trx, transaction: TransactionView, hold: HoldView, accounts: readonly string[]): Promise<void> {
  if (!webhooksOn(ctx)) return;
  await enqueueWebhook(ctx, trx, 'transaction.created', transactionWebhookData(transaction), accounts);
  await recordHoldChange(ctx, trx, hold, accounts);
}
