/**
 * The operators' API (issue 15; contract "Operators (round 2)"): support and admin staff find
 * customers, look at accounts and their history, freeze, unfreeze and sign users out. Every route
 * says `staff` (route-needs.ts): plugins/staff-access.ts refuses customers, staff without the role
 * and staff without a second factor (403 `forbidden`) before anything here runs. Every look and
 * action is audited (src/app/staff-looks.ts, staff-actions.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { setAccountFrozen, signOutUserEverywhere } from '../../../app/staff-actions.js';
import { lookAtAccount, lookAtHistory, searchCustomers, type Looker } from '../../../app/staff-looks.js';
import { parseOptionalReason } from '../../../domain/staff-reason.js';
import { clientInfo } from '../../client-info.js';
import { staffOf } from '../../plugins/staff-access.js';
import { OptionalReasonQuery, ReasonBody, SearchQuery, SearchResponse, UserParams } from './admin-schemas.js';
import { AccountParams, AccountSchema, errorResponses, TransactionSchema, TransactionsQuery } from './schemas.js';
import { accountJson, transactionJson, userJson } from './serialize.js';

const looker = (request: FastifyRequest): Looker => ({
  staff: staffOf(request),
  client: clientInfo(request),
  reason: parseOptionalReason((request.query as { reason?: string }).reason),
});

const actor = (request: FastifyRequest) => ({ staff: staffOf(request), client: clientInfo(request) });

const HistoryQuery = Type.Object({ ...TransactionsQuery.properties, ...OptionalReasonQuery }, { additionalProperties: false });
const AccountQuery = Type.Object(OptionalReasonQuery, { additionalProperties: false });

export default async function adminRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/admin/users',
    {
      config: { auth: 'bearer', limit: 'global', staff: 'support' },
      schema: { querystring: SearchQuery, response: { 200: SearchResponse, ...errorResponses } },
    },
    async (request) => {
      const page = await searchCustomers(app.ctx, looker(request), (request.query as { q: string }).q);
      return { data: page.data.map((c) => ({ user: userJson(c.user), roles: c.roles, accounts: c.accounts.map(accountJson) })), has_more: page.hasMore };
    },
  );

  app.get(
    '/admin/accounts/:account_id',
    {
      config: { auth: 'bearer', limit: 'global', staff: 'support' },
      schema: { params: AccountParams, querystring: AccountQuery, response: { 200: AccountSchema, ...errorResponses } },
    },
    async (request) => accountJson(await lookAtAccount(app.ctx, looker(request), (request.params as { account_id: string }).account_id)),
  );

  app.get(
    '/admin/accounts/:account_id/transactions',
    {
      config: { auth: 'bearer', limit: 'global', staff: 'support' },
      schema: {
        params: AccountParams,
        querystring: HistoryQuery,
        response: { 200: Type.Object({ data: Type.Array(TransactionSchema), has_more: Type.Boolean() }), ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as { limit?: string; starting_after?: string };
      const page = await lookAtHistory(app.ctx, looker(request), {
        accountId: (request.params as { account_id: string }).account_id,
        limit: query.limit === undefined ? undefined : Number(query.limit),
        startingAfter: query.starting_after,
      });
      return { data: page.data.map(transactionJson), has_more: page.hasMore };
    },
  );

  adminActionRoutes(app);
}

/** Freeze, unfreeze and sign out: each with a reason, audited on both sides (staff-actions.ts). */
function adminActionRoutes(app: FastifyInstance): void {
  for (const [path, freeze] of [
    ['freeze', true],
    ['unfreeze', false],
  ] as const) {
    app.post(
      `/admin/accounts/:account_id/${path}`,
      {
        config: { auth: 'bearer', limit: 'money', staff: 'support' },
        schema: { params: AccountParams, body: ReasonBody, response: { 200: AccountSchema, ...errorResponses } },
      },
      async (request) => {
        const { account_id } = request.params as { account_id: string };
        return accountJson(await setAccountFrozen(app.ctx, actor(request), account_id, freeze, (request.body as { reason: string }).reason));
      },
    );
  }

  app.post(
    '/admin/users/:user_id/sign-out',
    {
      config: { auth: 'bearer', limit: 'money', staff: 'support' },
      schema: { params: UserParams, body: ReasonBody, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await signOutUserEverywhere(app.ctx, actor(request), (request.params as { user_id: string }).user_id, (request.body as { reason: string }).reason);
      return reply.code(204).send();
    },
  );
}
