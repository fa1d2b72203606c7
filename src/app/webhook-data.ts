/**
 * The contract's JSON for a transaction, a hold and a payment request, in the API's snake_case: the
 * one home of these shapes. The API's responses (routes/api/serialize.ts, hold-schemas.ts,
 * payment-request-schemas.ts) and each webhook's `data` (contract "Recovery and notifications": the
 * object the API returns) both use them; the webhook body is built here, in the use case's
 * transaction, because the outbox stores it. Amounts stay bigints (minor units), written exactly.
 */
import type { HoldView } from './hold-views.js';
import type { PaymentRequestView } from './payment-request-view.js';
import type { TransactionView } from './views.js';

const rfc3339 = (ms: bigint): string => new Date(Number(ms)).toISOString();

/** `transaction.created`: the transaction as the API returned it to whoever made it. */
export const transactionWebhookData = (t: TransactionView) => ({
  id: t.id,
  type: t.type,
  amount: t.amountMinor,
  direction: t.direction,
  balance_after: t.balanceAfterMinor,
  currency: t.currency,
  memo: t.memo,
  counterparty: t.counterparty ? { username: t.counterparty.username, account_number: t.counterparty.accountNumber } : null,
  created_at: rfc3339(t.createdAtMs),
});

/** `hold.updated`: the hold as GET /api/v1/holds/{id} returns it (routes/api/hold-schemas.ts holdJson). */
export const holdWebhookData = (h: HoldView) => ({
  id: h.id,
  status: h.status,
  amount: h.amountMinor,
  captured_amount: h.capturedMinor,
  currency: h.currency,
  from: { username: h.from.username, account_number: h.from.accountNumber },
  to: { username: h.to.username, account_number: h.to.accountNumber },
  memo: h.memo,
  expires_at: rfc3339(h.expiresAtMs),
  created_at: rfc3339(h.createdAtMs),
  resolved_at: h.resolvedAtMs === null ? null : rfc3339(h.resolvedAtMs),
});

/** `payment_request.updated`: the request as the API returns it (routes/api/payment-request-schemas.ts paymentRequestJson). */
export const paymentRequestWebhookData = (r: PaymentRequestView) => ({
  id: r.id,
  status: r.status,
  amount: r.amountMinor,
  currency: r.currency,
  requester: { username: r.requester.username, account_number: r.requester.accountNumber },
  payer: { username: r.payer.username },
  memo: r.memo,
  expires_at: rfc3339(r.expiresAtMs),
  created_at: rfc3339(r.createdAtMs),
  transaction_id: r.transactionId,
});
