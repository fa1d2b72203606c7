import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { getAccount, getProfile } from '../../../app/get-profile.js';
import { listTransactions } from '../../../app/list-transactions.js';
import { principalOf } from '../../plugins/api-auth.js';
import { AccountParams, AccountSchema, errorResponses, TransactionSchema, TransactionsQuery, UserSchema } from './schemas.js';
import { accountJson, transactionJson, userJson } from './serialize.js';

export default async function accountRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/me',
    {
      config: { auth: 'bearer', limit: 'global' },
      schema: { response: { 200: Type.Object({ user: UserSchema, accounts: Type.Array(AccountSchema) }), ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      const { user, accounts } = await getProfile(app.ctx, { id: principal.userId, username: principal.username, createdAtMs: principal.userCreatedAtMs });
      return { user: userJson(user), accounts: accounts.map(accountJson) };
    },
  );

  app.get(
    '/accounts/:account_id',
    { config: { auth: 'bearer', limit: 'global' }, schema: { params: AccountParams, response: { 200: AccountSchema, ...errorResponses } } },
    async (request) => {
      const { account_id } = request.params as { account_id: string };
      return accountJson(await getAccount(app.ctx, principalOf(request).userId, account_id));
    },
  );

  app.get(
    '/accounts/:account_id/transactions',
    {
      config: { auth: 'bearer', limit: 'global' },
      schema: {
        params: AccountParams,
        querystring: TransactionsQuery,
        response: { 200: Type.Object({ data: Type.Array(TransactionSchema), has_more: Type.Boolean() }), ...errorResponses },
      },
    },
    async (request) => {
      const { account_id } = request.params as { account_id: string };
      const query = request.query as { limit?: string; starting_after?: string };
      const page = await listTransactions(app.ctx, principalOf(request).userId, {
        accountId: account_id,
        limit: query.limit === undefined ? undefined : Number(query.limit),
        startingAfter: query.starting_after,
      });
      return { data: page.data.map(transactionJson), has_more: page.hasMore };
    },
  );
}
