/**
 * Monthly statements in the API (issue 16 item 3; contract "Statements and the ledger chain"):
 * GET /accounts/{id}/statements lists the months, GET /accounts/{id}/statements/{YYYY-MM} answers
 * the signed statement. Months are UTC calendar months; the current one is interim (final: false).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { listStatementMonths } from '../../../app/statements.js';
import { principalOf } from '../../plugins/api-auth.js';
import { signedStatement } from '../../statement-document.js';
import { AccountParams, errorResponses, TransactionSchema } from './schemas.js';

const Money = Type.Integer();

/** `{account_id, month}`; the month's form (YYYY-MM, not in the future) is checked by the use case (400 invalid_request). */
const StatementParams = Type.Object(
  { account_id: AccountParams.properties.account_id, month: Type.String({ minLength: 1, maxLength: 32 }) },
  { additionalProperties: false },
);

export const StatementSchema = Type.Object(
  {
    account: Type.Object(
      { id: Type.String(), number: Type.String(), currency: Type.String(), holder: Type.String() },
      { additionalProperties: false, description: 'The account and its holder (username).' },
    ),
    month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'UTC calendar month' }),
    final: Type.Boolean({ description: 'false for the current month (interim)' }),
    opening_balance: Money,
    closing_balance: Money,
    total_credits: Money,
    total_debits: Money,
    transactions: Type.Array(TransactionSchema, { description: 'oldest first; balance_after is the running balance' }),
    ledger_head: Type.Object({ seq: Type.Integer(), hash: Type.String() }, { additionalProperties: false }),
    issued_at: Type.String({ format: 'date-time' }),
    key_id: Type.String({ description: 'kid of the key in /.well-known/minibank/statement-key' }),
    signature: Type.String({ description: 'Ed25519 over the RFC 8785 canonical JSON of the statement without signature; base64url, unpadded' }),
  },
  { additionalProperties: false },
);

export default async function statementRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/accounts/:account_id/statements',
    {
      config: { auth: 'bearer', limit: 'global' },
      schema: {
        params: AccountParams,
        response: {
          200: Type.Object(
            { data: Type.Array(Type.Object({ month: Type.String(), final: Type.Boolean() }, { additionalProperties: false })) },
            { additionalProperties: false },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { account_id } = request.params as { account_id: string };
      return { data: await listStatementMonths(app.ctx, principalOf(request).userId, account_id) };
    },
  );

  app.get(
    '/accounts/:account_id/statements/:month',
    { config: { auth: 'bearer', limit: 'global' }, schema: { params: StatementParams, response: { 200: StatementSchema, ...errorResponses } } },
    async (request) => {
      const { account_id, month } = request.params as { account_id: string; month: string };
      return (await signedStatement(app.ctx, principalOf(request).userId, account_id, month)).json;
    },
  );
}
