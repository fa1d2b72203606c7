/**
 * Payment requests over the API (contract "Payment requests (round 2)"): ask, list, read, pay,
 * decline, cancel. Creating and paying share the money rate limit; paying takes an Idempotency-Key
 * exactly as a transfer does.
 */
import type { FastifyInstance } from 'fastify';
import { answerPaymentRequest, type RequestAnswer } from '../../../app/answer-payment-request.js';
import { createPaymentRequest } from '../../../app/create-payment-request.js';
import { apiIdempotencyKey, requestFingerprint } from '../../../app/idempotency.js';
import { getPaymentRequest, listPaymentRequests } from '../../../app/list-payment-requests.js';
import { amountToPay, payPaymentRequest } from '../../../app/pay-payment-request.js';
import { requireStepUpUnlessReplay } from '../../../app/step-up.js';
import { clientInfo } from '../../client-info.js';
import { parseMemo } from '../../../domain/memo.js';
import { checkAmountMinor } from '../../../domain/money.js';
import { errorBody, errorStatus } from '../../error-status.js';
import { principalOf } from '../../plugins/api-auth.js';
import { paymentRequestBodies, paymentRequestJson, RequestParams, requestResponses, RequestsQuery } from './payment-request-schemas.js';
import { IdempotencyHeaders } from './schemas.js';
import { transactionJson } from './serialize.js';

interface CreateBody {
  to_account_id: string;
  from: string;
  amount: number;
  memo?: string | null;
  expires_in?: number;
}

export default async function paymentRequestRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;
  const { CreateRequestBody, PayRequestBody } = paymentRequestBodies(ctx.config.maxAmountMinor);
  const money = { auth: 'bearer', limit: 'money' } as const;
  const read = { auth: 'bearer', limit: 'global' } as const;

  app.post('/payment-requests', { config: money, schema: { body: CreateRequestBody, response: requestResponses.created } }, async (request, reply) => {
    const body = request.body as CreateBody;
    const created = await createPaymentRequest(ctx, principalOf(request).userId, {
      toAccountId: body.to_account_id,
      from: body.from,
      amountMinor: checkAmountMinor(body.amount, BigInt(ctx.config.maxAmountMinor)),
      memo: parseMemo(body.memo),
      expiresInS: body.expires_in,
    });
    return reply.code(201).send(paymentRequestJson(created));
  });

  app.get('/payment-requests', { config: read, schema: { querystring: RequestsQuery, response: requestResponses.list } }, async (request) => {
    const query = request.query as { role: 'incoming' | 'outgoing'; status?: string; limit?: string; starting_after?: string };
    const page = await listPaymentRequests(ctx, principalOf(request).userId, {
      role: query.role,
      status: query.status,
      limit: query.limit === undefined ? undefined : Number(query.limit),
      startingAfter: query.starting_after,
    });
    return { data: page.data.map(paymentRequestJson), has_more: page.hasMore };
  });

  app.get('/payment-requests/:id', { config: read, schema: { params: RequestParams, response: requestResponses.one } }, async (request) => {
    const { id } = request.params as { id: string };
    return paymentRequestJson(await getPaymentRequest(ctx, principalOf(request).userId, id));
  });

  app.post(
    '/payment-requests/:id/pay',
    { config: money, schema: { params: RequestParams, body: PayRequestBody, headers: IdempotencyHeaders, response: requestResponses.paid } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = request.body as { from_account_id: string };
      const principal = principalOf(request);
      const key = (request.headers as { 'idempotency-key'?: string })['idempotency-key'];
      const namespacedKey = key === undefined ? undefined : apiIdempotencyKey(key);
      // Issue 13 step-up, exactly as for a transfer: a large payment needs a fresh code in `MFA-Code`.
      const amountMinor = await amountToPay(ctx, principal.userId, id);
      if (amountMinor !== undefined) {
        const code = (request.headers as { 'mfa-code'?: string })['mfa-code'];
        await requireStepUpUnlessReplay(ctx, principal.userId, amountMinor, code, namespacedKey, clientInfo(request));
      }
      const idempotency =
        namespacedKey === undefined ? undefined : { key: namespacedKey, requestHash: requestFingerprint(['POST', '/payment-requests/:id/pay', id, body]) };
      const result = await payPaymentRequest(ctx, principal.userId, { requestId: id, fromAccountId: body.from_account_id }, idempotency, {
        tokenId: principal.tokenId,
      });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      const outcome = result.outcome;
      if (outcome.kind === 'refused') return reply.code(errorStatus[outcome.code]).send(errorBody(outcome.code, outcome.message, outcome.param));
      return reply.code(201).send({ transaction: transactionJson(outcome.transaction), payment_request: paymentRequestJson(outcome.paymentRequest) });
    },
  );

  const answerRoute = (answer: RequestAnswer) =>
    app.post(`/payment-requests/:id/${answer}`, { config: money, schema: { params: RequestParams, response: requestResponses.answered } }, async (request) => {
      const { id } = request.params as { id: string };
      return { payment_request: paymentRequestJson(await answerPaymentRequest(ctx, principalOf(request).userId, id, answer)) };
    });
  answerRoute('decline');
  answerRoute('cancel');
}
