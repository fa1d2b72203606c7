/**
 * GET /api/v1/ledger/head (contract "Statements and the ledger chain", issue 16 item 1): the latest
 * sealed position and hash of the ledger's hash chain, public so anyone can record it and later hold
 * the bank to it (a rewritten chain no longer reaches a head published before). Before anything is
 * sealed: seq 0, the all-zero genesis hash, sealed_at null. Global rate limit, like the other reads.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { publishedHead } from '../../../app/ledger-head.js';
import { errorResponses } from './schemas.js';
import { rfc3339 } from './serialize.js';

const LedgerHead = Type.Object(
  {
    seq: Type.Integer({ minimum: 0 }),
    hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    sealed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

export default async function ledgerRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/ledger/head',
    {
      config: { auth: 'public', limit: 'global' },
      schema: { response: { 200: LedgerHead, ...errorResponses } },
    },
    async () => {
      const head = await publishedHead(app.ctx);
      return { seq: head.seq, hash: head.hash, sealed_at: head.sealedAtMs === null ? null : rfc3339(head.sealedAtMs) };
    },
  );
}
