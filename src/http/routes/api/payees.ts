/**
 * GET /api/v1/payees?to=… (issue 11 class 3, contract "JSON API"): confirms whom a transfer to `to`
 * would pay, as the web review step does, so an API client can show the name before sending. Bearer
 * authentication; an API read, so only the global rate limit applies, as for the other reads.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { lookUpPayee } from '../../../app/preview-transfer.js';
import { errorResponses } from './schemas.js';

/** The payee as a person would type it: the same bound as a transfer's `to`, no control characters. */
const PayeeQuery = Type.Object({ to: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f]+$' }) }, { additionalProperties: false });

export default async function payeeRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/payees',
    {
      config: { auth: 'bearer', limit: 'global' },
      schema: {
        querystring: PayeeQuery,
        response: { 200: Type.Object({ username: Type.String(), account_number: Type.String() }, { additionalProperties: false }), ...errorResponses },
      },
    },
    async (request) => {
      const { to } = request.query as { to: string };
      const payee = await lookUpPayee(app.ctx, to);
      return { username: payee.username, account_number: payee.accountNumber };
    },
  );
}
