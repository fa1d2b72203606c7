/**
 * The holds API's JSON shapes (contract "Holds (round 2)") as TypeBox schemas, and the views to
 * JSON. Response schemas whitelist the fields, as everywhere in the API.
 */
import { holdWebhookData } from '../../../app/webhook-data.js';
import { Type } from 'typebox';
import { HOLD_EXPIRES_IN_MAX_S, HOLD_EXPIRES_IN_MIN_S } from '../../../domain/hold-rules.js';
import { MEMO_MAX_CHARS } from '../../../domain/memo.js';
import { AccountSchema, errorResponses, TransactionSchema } from './schemas.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' });
const Time = Type.String({ format: 'date-time' });
const Money = Type.Integer();
const Party = Type.Object({ username: Type.String(), account_number: Type.String() }, { additionalProperties: false });
const Status = Type.Union([Type.Literal('pending'), Type.Literal('captured'), Type.Literal('voided'), Type.Literal('expired')]);

export const HoldSchema = Type.Object(
  {
    id: Type.String(),
    status: Status,
    amount: Money,
    captured_amount: Money,
    currency: Type.String(),
    from: Party,
    to: Party,
    memo: Type.Union([Type.String(), Type.Null()]),
    expires_at: Time,
    created_at: Time,
    resolved_at: Type.Union([Time, Type.Null()]),
  },
  { additionalProperties: false },
);

export function holdBodies(maxAmountMinor: number) {
  const Amount = Type.Integer({ minimum: 1, maximum: maxAmountMinor });
  return {
    PlaceHoldBody: Type.Object(
      {
        from_account_id: Id,
        to: Type.String({ minLength: 1, maxLength: 64 }),
        amount: Amount,
        memo: Type.Optional(Type.Union([Type.String({ maxLength: MEMO_MAX_CHARS * 4 }), Type.Null()])),
        expires_in: Type.Optional(Type.Integer({ minimum: HOLD_EXPIRES_IN_MIN_S, maximum: HOLD_EXPIRES_IN_MAX_S })),
      },
      { additionalProperties: false },
    ),
    CaptureBody: Type.Object({ amount: Type.Optional(Amount) }, { additionalProperties: false }),
  };
}

export const HoldParams = Type.Object({ hold_id: Id }, { additionalProperties: false });

export const HoldsQuery = Type.Object(
  {
    role: Type.Union([Type.Literal('payer'), Type.Literal('payee')]),
    status: Type.Optional(Status),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    starting_after: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const placeHoldResponses = { 201: Type.Object({ hold: HoldSchema, account: AccountSchema }, { additionalProperties: false }), ...errorResponses };
export const captureResponses = { 201: Type.Object({ transaction: TransactionSchema, hold: HoldSchema }, { additionalProperties: false }), ...errorResponses };
export const voidResponses = { 200: Type.Object({ hold: HoldSchema }, { additionalProperties: false }), ...errorResponses };
export const holdResponses = { 200: HoldSchema, ...errorResponses };
export const holdListResponses = {
  200: Type.Object({ data: Type.Array(HoldSchema), has_more: Type.Boolean() }, { additionalProperties: false }),
  ...errorResponses,
};

/** The contract's JSON, from its one home (app/webhook-data.ts: webhooks must carry exactly what the API returns). */
export const holdJson = holdWebhookData;
