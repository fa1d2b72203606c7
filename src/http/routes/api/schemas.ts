/**
 * The contract's JSON shapes as TypeBox schemas. Response schemas double as a whitelist: fast-json-
 * stringify writes only the listed fields, so nothing internal (hashes, other users' ids) can leak.
 */
import { Type } from 'typebox';
import { IDEMPOTENCY_KEY_MAX_CHARS } from '../../../app/idempotency.js';
import { ACCOUNT_NAME_MAX_CHARS } from '../../../domain/account-name.js';
import { MEMO_MAX_CHARS } from '../../../domain/memo.js';
import { PASSWORD_MAX_CHARS } from '../../../app/password-policy.js';

/**
 * Ids are ours (UUIDs), so printable ASCII is all a client can rightly send back. This also keeps NUL
 * bytes away from PostgreSQL, which refuses them in text with an error that would surface as a 500.
 */
const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' });
const Time = Type.String({ format: 'date-time' });
/** Integer minor units; bigints are written exactly by fast-json-stringify. */
const Money = Type.Integer();

export const UserSchema = Type.Object({ id: Type.String(), username: Type.String(), created_at: Time }, { additionalProperties: false });

const AccountStatus = Type.Union([Type.Literal('active'), Type.Literal('frozen'), Type.Literal('closed')]);

export const AccountSchema = Type.Object(
  {
    id: Type.String(),
    number: Type.String(),
    currency: Type.String(),
    balance: Money,
    available_balance: Money,
    created_at: Time,
    name: Type.String(),
    status: AccountStatus,
  },
  { additionalProperties: false },
);

export const TransactionSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Union([Type.Literal('deposit'), Type.Literal('withdrawal'), Type.Literal('transfer'), Type.Literal('reversal')]),
    amount: Money,
    direction: Type.Union([Type.Literal('credit'), Type.Literal('debit')]),
    balance_after: Money,
    currency: Type.String(),
    memo: Type.Union([Type.String(), Type.Null()]),
    counterparty: Type.Union([Type.Object({ username: Type.String(), account_number: Type.String() }, { additionalProperties: false }), Type.Null()]),
    created_at: Time,
  },
  { additionalProperties: false },
);

export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), param: Type.Optional(Type.String()), request_id: Type.Optional(Type.String()) }),
});

export const CredentialsBody = Type.Object(
  {
    // No control characters: a NUL byte would reach the user lookup, and PostgreSQL refuses it (a 500).
    username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f]+$' }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_CHARS * 4 }),
  },
  { additionalProperties: false },
);

const Memo = Type.Optional(Type.Union([Type.String({ maxLength: MEMO_MAX_CHARS * 4 }), Type.Null()]));

export function moneyBodies(maxAmountMinor: number) {
  const Amount = Type.Integer({ minimum: 1, maximum: maxAmountMinor });
  return {
    AccountMovementBody: Type.Object({ account_id: Id, amount: Amount, memo: Memo }, { additionalProperties: false }),
    TransferBody: Type.Object(
      { from_account_id: Id, to: Type.String({ minLength: 1, maxLength: 64 }), amount: Amount, memo: Memo },
      { additionalProperties: false },
    ),
  };
}

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_CHARS })),
});

/**
 * Opening an account (issue 14 item 1). Lengths here only bound the input: the currency list
 * (CURRENCIES, 400 param currency) and the name rule (account-name.ts) are checked by the use case.
 */
export const NewAccountBody = Type.Object(
  { currency: Type.Optional(Type.String({ minLength: 1, maxLength: 8 })), name: Type.Optional(Type.String({ maxLength: ACCOUNT_NAME_MAX_CHARS * 4 })) },
  { additionalProperties: false },
);

export const RenameAccountBody = Type.Object({ name: Type.String({ maxLength: ACCOUNT_NAME_MAX_CHARS * 4 }) }, { additionalProperties: false });

export const AccountParams = Type.Object({ account_id: Id }, { additionalProperties: false });

export const TransactionsQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    starting_after: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const errorResponses = {
  '4xx': ErrorSchema,
  '5xx': ErrorSchema,
};

/** A deposit's, withdrawal's or transfer's answer: 201 with the transaction and the actor's account after it, or an error. */
export const movementResponses = {
  201: Type.Object({ transaction: TransactionSchema, account: AccountSchema }, { additionalProperties: false }),
  ...errorResponses,
};
