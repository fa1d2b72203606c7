import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { revokeApiToken } from '../../../app/revoke-token.js';
import { issueToken } from '../../../app/sign-in.js';
import { signUp } from '../../../app/sign-up.js';
import { clientInfo } from '../../client-info.js';
import { principalOf } from '../../plugins/api-auth.js';
import { AccountSchema, CredentialsBody, errorResponses, UserSchema } from './schemas.js';
import { accountJson, userJson } from './serialize.js';
import { Otp } from './second-factor.js';

export default async function authRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    '/signup',
    {
      config: { auth: 'public', limit: 'auth' },
      schema: {
        body: CredentialsBody,
        response: { 201: Type.Object({ user: UserSchema, account: AccountSchema }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as { username: string; password: string };
      const { user, account } = await signUp(app.ctx, body, clientInfo(request));
      return reply.code(201).send({ user: userJson(user), account: accountJson(account) });
    },
  );

  app.post(
    '/auth/token',
    {
      config: { auth: 'public', limit: 'auth' },
      schema: {
        // The contract's credentials, plus `otp` (a TOTP or recovery code) when a second factor is on.
        body: Type.Object({ ...CredentialsBody.properties, otp: Type.Optional(Otp) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const token = await issueToken(app.ctx, request.body as { username: string; password: string; otp?: string }, clientInfo(request));
      return { access_token: token.accessToken, token_type: 'Bearer' as const, expires_in: token.expiresInSeconds };
    },
  );

  app.post('/auth/logout', { config: { auth: 'bearer', limit: 'global' }, schema: { response: errorResponses } }, async (request, reply) => {
    const principal = principalOf(request);
    await revokeApiToken(app.ctx, principal.tokenId, { userId: principal.userId, client: clientInfo(request) });
    return reply.code(204).send();
  });
}
