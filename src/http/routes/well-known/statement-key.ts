/**
 * GET /.well-known/minibank/statement-key (issue 16 item 3; contract "Statements and the ledger
 * chain"): the public statement keys as a JWK Set (RFC 7517), current key first, then every earlier
 * key, so statements signed before a rotation still verify. Public: it holds only public keys.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { statementKeysFor } from '../../../statement-key-file.js';

const JwkSchema = Type.Object(
  { kty: Type.String(), crv: Type.String(), x: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.String() },
  { additionalProperties: false },
);

export default async function statementKeyRoute(app: FastifyInstance): Promise<void> {
  app.get(
    '/.well-known/minibank/statement-key',
    {
      config: { auth: 'public', limit: 'global' },
      schema: { response: { 200: Type.Object({ keys: Type.Array(JwkSchema) }, { additionalProperties: false }) } },
    },
    async (_request, reply) => {
      // Public keys change only on rotation; a short cache keeps verifiers from fetching on every check.
      reply.header('cache-control', 'public, max-age=300');
      return statementKeysFor(app.ctx.config).jwks();
    },
  );
}
