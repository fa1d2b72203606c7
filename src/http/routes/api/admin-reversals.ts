/**
 * Reversals with four eyes through the operators' API (issue 15 part B; contract "Operators (round
 * 2)"). Admin only (`staff: 'admin'`: plugins/staff-access.ts refuses customers, support staff and
 * staff without a second factor with 403 before anything here runs). Moving money always needs the
 * staff member's fresh TOTP code in `MFA-Code` (app/staff-step-up.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { approvalById, approveReversal, listReversalApprovals, type ApprovalView } from '../../../app/reversal-approvals.js';
import type { ReversalActor } from '../../../app/reversal-posting.js';
import { reverseTransaction } from '../../../app/reverse-transaction.js';
import { clientInfo } from '../../client-info.js';
import { staffOf } from '../../plugins/staff-access.js';
import { REASON_MAX_CHARS } from '../../../domain/staff-reason.js';
import { errorResponses, TransactionSchema } from './schemas.js';
import { rfc3339, stringifyExact, transactionJson } from './serialize.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' });
const Time = Type.String({ format: 'date-time' });
/** The reason as sent; its rule (1..500 characters, no control characters) is staff-reason.ts's, answered as param `reason`. */
const ReasonBody = Type.Object(
  { reason: Type.String({ maxLength: REASON_MAX_CHARS * 4, description: 'Why: 1 to 500 characters, no control characters or line breaks.' }) },
  { additionalProperties: false },
);
const MfaHeaders = Type.Object({ 'mfa-code': Type.Optional(Type.String({ maxLength: 64, description: 'A current TOTP code: staff step-up, always.' })) });

export const ApprovalSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('expired')]),
    transaction_id: Type.String(),
    amount: Type.Integer(),
    currency: Type.String(),
    reason: Type.String(),
    requested_by: Type.String({ description: 'The admin who asked (the maker).' }),
    approved_by: Type.Union([Type.String(), Type.Null()]),
    created_at: Time,
    expires_at: Time,
    decided_at: Type.Union([Time, Type.Null()]),
    reversal_id: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const approvalJson = (a: ApprovalView) => ({
  id: a.id,
  status: a.status,
  transaction_id: a.transactionId,
  amount: a.amountMinor,
  currency: a.currency,
  reason: a.reason,
  requested_by: a.requestedBy,
  approved_by: a.approvedBy,
  created_at: rfc3339(a.createdAtMs),
  expires_at: rfc3339(a.expiresAtMs),
  decided_at: a.decidedAtMs === null ? null : rfc3339(a.decidedAtMs),
  reversal_id: a.reversalId,
});

const actor = (request: FastifyRequest): ReversalActor => ({ staff: staffOf(request), client: clientInfo(request) });
const mfaCode = (request: FastifyRequest) => (request.headers as { 'mfa-code'?: string })['mfa-code'];
const admin = { auth: 'bearer', limit: 'money', staff: 'admin' } as const;
const TransactionBody = Type.Object({ transaction: TransactionSchema }, { additionalProperties: false });
const ApprovalBody = Type.Object({ approval: ApprovalSchema }, { additionalProperties: false });

export default async function adminReversalRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    '/admin/transactions/:transaction_id/reverse',
    {
      config: admin,
      schema: {
        params: Type.Object({ transaction_id: Id }, { additionalProperties: false }),
        headers: MfaHeaders,
        body: ReasonBody,
        response: { 201: TransactionBody, 202: ApprovalBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { transaction_id } = request.params as { transaction_id: string };
      const outcome = await reverseTransaction(app.ctx, actor(request), transaction_id, (request.body as { reason: string }).reason, mfaCode(request));
      if (outcome.kind === 'pending') return reply.code(202).send({ approval: approvalJson(outcome.approval) });
      return reply
        .code(201)
        .type('application/json; charset=utf-8')
        .send(stringifyExact({ transaction: transactionJson(outcome.transaction) }));
    },
  );

  app.get(
    '/admin/approvals',
    {
      config: { ...admin, limit: 'global' },
      schema: {
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('all')], { description: 'pending (default) or all' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(ApprovalSchema) }, { additionalProperties: false }), ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as { status?: 'pending' | 'all'; limit?: number };
      const list = await listReversalApprovals(app.ctx, { pendingOnly: query.status !== 'all', limit: query.limit });
      return { data: list.map(approvalJson) };
    },
  );

  const ApprovalParams = Type.Object({ approval_id: Id }, { additionalProperties: false });
  app.get(
    '/admin/approvals/:approval_id',
    { config: { ...admin, limit: 'global' }, schema: { params: ApprovalParams, response: { 200: ApprovalSchema, ...errorResponses } } },
    async (request) => approvalJson(await approvalById(app.ctx, (request.params as { approval_id: string }).approval_id)),
  );

  app.post(
    '/admin/approvals/:approval_id/approve',
    { config: admin, schema: { params: ApprovalParams, headers: MfaHeaders, response: { 201: TransactionBody, ...errorResponses } } },
    async (request, reply) => {
      const transaction = await approveReversal(app.ctx, actor(request), (request.params as { approval_id: string }).approval_id, mfaCode(request));
      return reply
        .code(201)
        .type('application/json; charset=utf-8')
        .send(stringifyExact({ transaction: transactionJson(transaction) }));
    },
  );
}
