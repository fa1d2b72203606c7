/**
 * A payment request as use cases hand it back (domain terms: bigint minor units, epoch ms), read at
 * a given time so a pending request past its expiry shows `expired` (domain/payment-request.ts).
 */
import { requestStatusAt, type RequestStatus } from '../domain/payment-request.js';
import type { PaymentRequestRecord } from '../storage/repositories/payment-request-repository.js';

export interface PaymentRequestView {
  id: string;
  status: RequestStatus;
  amountMinor: bigint;
  currency: string;
  requester: { username: string; accountNumber: string };
  payer: { username: string };
  memo: string | null;
  expiresAtMs: bigint;
  createdAtMs: bigint;
  /** The paying transfer, once paid. */
  transactionId: string | null;
}

/** The view of a stored request at `nowMs` (epoch ms). */
export function paymentRequestView(row: PaymentRequestRecord, nowMs: bigint): PaymentRequestView {
  const expiresAtMs = BigInt(row.expires_at);
  return {
    id: row.id,
    status: requestStatusAt(row.status, expiresAtMs, nowMs),
    amountMinor: BigInt(row.amount),
    currency: row.currency,
    requester: { username: row.requester_username, accountNumber: row.to_account_number },
    payer: { username: row.payer_username },
    memo: row.memo,
    expiresAtMs,
    createdAtMs: BigInt(row.created_at),
    transactionId: row.transaction_id,
  };
}
