import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { closeAccount } from '../../../app/close-account.js';
import { getAccount, getProfile } from '../../../app/get-profile.js';
import { listTransactions } from '../../../app/list-transactions.js';
import { openUserAccount } from '../../../app/open-account.js';
import { renameAccount } from '../../../app/rename-account.js';
import { principalOf } from '../../plugins/api-auth.js';
import {
  AccountParams,
  AccountSchema,
  errorResponses,
  NewAccountBody,
  RenameAccountBody,
  TransactionSchema,
  TransactionsQuery,
  UserSchema,
} from './schemas.js';
import { accountJson, transactionJson, userJson } from './serialize.js';
import { MfaStatusSchema } from './second-factor.js';
import { secondFactorAndEmail } from '../../../app/email-address.js';
import { EmailStatusSchema } from './notifications.js';

export default async function accountRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/me',
    {
      config: { auth: 'bearer', limit: 'global' },
      schema: {
        response: {
          200: Type.Object({ user: UserSchema, accounts: Type.Array(AccountSchema), mfa: MfaStatusSchema, email: EmailStatusSchema }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { user, accounts } = await getProfile(app.ctx, { id: principal.userId, username: principal.username, createdAtMs: principal.userCreatedAtMs });
      // Contract "Second factor": `mfa: {totp, passkeys}`; "Recovery and notifications": `email`, in the same read.
      const { mfa, email } = await secondFactorAndEmail(app.ctx, app.ctx.storage.db, principal.userId);
      return { user: userJson(user), accounts: accounts.map(accountJson), mfa, email };
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

  accountChangeRoutes(app);

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

/** Issue 14 item 1 (contract "Accounts (round 2)"): open, rename and close one's own accounts. */
function accountChangeRoutes(app: FastifyInstance): void {
  app.post(
    '/accounts',
    { config: { auth: 'bearer', limit: 'money' }, schema: { body: NewAccountBody, response: { 201: AccountSchema, ...errorResponses } } },
    async (request, reply) => {
      const body = request.body as { currency?: string; name?: string };
      return reply.code(201).send(accountJson(await openUserAccount(app.ctx, principalOf(request).userId, body)));
    },
  );

  app.patch(
    '/accounts/:account_id',
    {
      config: { auth: 'bearer', limit: 'money' },
      schema: { params: AccountParams, body: RenameAccountBody, response: { 200: AccountSchema, ...errorResponses } },
    },
    async (request) => {
      const { account_id } = request.params as { account_id: string };
      const { name } = request.body as { name: string };
      return accountJson(await renameAccount(app.ctx, principalOf(request).userId, account_id, name));
    },
  );

  app.post(
    '/accounts/:account_id/close',
    { config: { auth: 'bearer', limit: 'money' }, schema: { params: AccountParams, response: { 200: AccountSchema, ...errorResponses } } },
    async (request) => {
      const { account_id } = request.params as { account_id: string };
      return accountJson(await closeAccount(app.ctx, principalOf(request).userId, account_id));
    },
  );
}
