/** The JSON shapes of payment requests (contract "Payment requests (round 2)") as TypeBox schemas. */
import { paymentRequestWebhookData } from '../../../app/webhook-data.js';
import { Type } from 'typebox';
import { REQUEST_EXPIRES_IN_MAX_S, REQUEST_EXPIRES_IN_MIN_S, REQUEST_STATUSES } from '../../../domain/payment-request.js';
import { MEMO_MAX_CHARS } from '../../../domain/memo.js';
import { errorResponses, TransactionSchema } from './schemas.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' });
const Time = Type.String({ format: 'date-time' });

export const PaymentRequestSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.Union(REQUEST_STATUSES.map((s) => Type.Literal(s))),
    amount: Type.Integer(),
    currency: Type.String(),
    requester: Type.Object({ username: Type.String(), account_number: Type.String() }, { additionalProperties: false }),
    payer: Type.Object({ username: Type.String() }, { additionalProperties: false }),
    memo: Type.Union([Type.String(), Type.Null()]),
    expires_at: Time,
    created_at: Time,
    transaction_id: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

/** The bodies; `amount` is bounded by MAX_AMOUNT_MINOR as for transfers (400 invalid_amount beyond). */
export function paymentRequestBodies(maxAmountMinor: number) {
  return {
    CreateRequestBody: Type.Object(
      {
        to_account_id: Id,
        from: Type.String({ minLength: 1, maxLength: 64 }),
        amount: Type.Integer({ minimum: 1, maximum: maxAmountMinor }),
        memo: Type.Optional(Type.Union([Type.String({ maxLength: MEMO_MAX_CHARS * 4 }), Type.Null()])),
        expires_in: Type.Optional(Type.Integer({ minimum: REQUEST_EXPIRES_IN_MIN_S, maximum: REQUEST_EXPIRES_IN_MAX_S })),
      },
      { additionalProperties: false },
    ),
    PayRequestBody: Type.Object({ from_account_id: Id }, { additionalProperties: false }),
  };
}

export const RequestParams = Type.Object({ id: Id }, { additionalProperties: false });

export const RequestsQuery = Type.Object(
  {
    role: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]),
    status: Type.Optional(Type.Union(REQUEST_STATUSES.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    starting_after: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const requestResponses = {
  created: { 201: PaymentRequestSchema, ...errorResponses },
  one: { 200: PaymentRequestSchema, ...errorResponses },
  answered: { 200: Type.Object({ payment_request: PaymentRequestSchema }, { additionalProperties: false }), ...errorResponses },
  paid: { 201: Type.Object({ transaction: TransactionSchema, payment_request: PaymentRequestSchema }, { additionalProperties: false }), ...errorResponses },
  list: { 200: Type.Object({ data: Type.Array(PaymentRequestSchema), has_more: Type.Boolean() }, { additionalProperties: false }), ...errorResponses },
};

/** The contract's JSON, from its one home (app/webhook-data.ts: webhooks must carry exactly what the API returns). */
export const paymentRequestJson = paymentRequestWebhookData;
