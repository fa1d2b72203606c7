/**
 * What came of paying a payment request, as a value (the pattern of movement-outcome.ts): paid, with
 * the transfer as the payer sees it and the request after it, or refused. The idempotency table keeps
 * it with `paymentOutcomeCodec` (its own format tag, so a row is never read as another kind).
 */
import { errorCodes } from '../domain/errors.js';
import type { RequestStatus } from '../domain/payment-request.js';
import type { OutcomeCodec } from './idempotency.js';
import { refusedBy, type RefusedOutcome } from './movement-outcome.js';
import type { PaymentRequestView } from './payment-request-view.js';
import { TYPED_OUTCOME_STATUS } from './stored-outcome.js';
import type { AccountView, TransactionView } from './views.js';

export interface PaidOutcome {
  kind: 'paid';
  /** The transfer, as the payer sees it (a debit). */
  transaction: TransactionView;
  /** The payer's account after it. */
  account: AccountView;
  paymentRequest: PaymentRequestView;
}

export type PaymentOutcome = PaidOutcome | RefusedOutcome;

const FORMAT = 'payment-request-outcome/1';

type Json = Record<string, unknown>;
const bigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? { big: value.toString() } : value);
/** Reads back what `bigints` wrote: `{big: "123"}` is 123n. */
const revive = (_key: string, value: unknown) =>
  value !== null && typeof value === 'object' && Object.keys(value).length === 1 && typeof (value as Json).big === 'string'
    ? BigInt((value as Json).big as string)
    : value;

/**
 * The codec runIdempotent keeps a payment's outcome with: JSON with its bigints tagged, and a format
 * tag. @throws Error on reading a row of another format or a refusal with an unknown code (a 500,
 * never a wrong answer).
 */
export const paymentOutcomeCodec: OutcomeCodec<PaymentOutcome> = {
  refused: refusedBy,
  store: (outcome) => ({ status: TYPED_OUTCOME_STATUS, body: JSON.stringify({ format: FORMAT, outcome }, bigints) }),
  read(stored) {
    const body = JSON.parse(stored.body, revive) as { format?: unknown; outcome?: PaymentOutcome };
    if (stored.status !== TYPED_OUTCOME_STATUS || body.format !== FORMAT || !body.outcome) throw new Error('stored payment outcome in an unknown format');
    const outcome = body.outcome;
    if (outcome.kind === 'refused' && !(errorCodes as readonly string[]).includes(outcome.code))
      throw new Error(`stored refusal with an unknown code ${outcome.code}`);
    return outcome;
  },
};

/** The request as it reads once this payment is written (for the answer; the row says the same). */
export function paidView(request: PaymentRequestView, transactionId: string): PaymentRequestView {
  const status: RequestStatus = 'paid';
  return { ...request, status, transactionId };
}
