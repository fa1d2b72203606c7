/**
 * The `data` of each webhook event: the object the API returns for it (contract "Recovery and
 * notifications"), in the API's snake_case JSON. Built here, in the use case's transaction, because
 * the outbox stores the body to send; it mirrors src/http/routes/api/serialize.ts's transactionJson
 * (the app layer may not import the HTTP edge). Amounts stay bigints (minor units), written exactly.
 */
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
