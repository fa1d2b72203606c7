/**
 * The holds API (issue 14 item 2; contract "Holds (round 2)"): place (idempotent, step-up like a
 * transfer), capture and void (the payee only), read one, list by role. The use cases are in
 * src/app (place-hold.ts, resolve-hold.ts, list-holds.ts); this file renders their outcomes.
 */
import type { FastifyInstance } from 'fastify';
import type { HoldOutcome } from '../../../app/hold-outcome.js';
import { apiIdempotencyKey, requestFingerprint } from '../../../app/idempotency.js';
import { getHold, listHolds } from '../../../app/list-holds.js';
import { placeHold } from '../../../app/place-hold.js';
import { captureHold, voidHold } from '../../../app/resolve-hold.js';
import { requireStepUpUnlessReplay } from '../../../app/step-up.js';
import type { HoldStatus } from '../../../storage/repositories/hold-repository.js';
import { parseMemo } from '../../../domain/memo.js';
import { checkAmountMinor } from '../../../domain/money.js';
import { clientInfo } from '../../client-info.js';
import { errorBody, errorStatus } from '../../error-status.js';
import { principalOf } from '../../plugins/api-auth.js';
import {
  captureResponses,
  holdBodies,
  holdJson,
  holdListResponses,
  HoldParams,
  holdResponses,
  HoldsQuery,
  placeHoldResponses,
  voidResponses,
} from './hold-schemas.js';
import { IdempotencyHeaders } from './schemas.js';
import { accountJson, stringifyExact, transactionJson } from './serialize.js';

/** The API's answer to placing a hold: 201 `{hold, account}` or the refusal's status and error body (the same bytes on a replay). */
export function holdPlacedResponse(outcome: HoldOutcome): { status: number; body: string } {
  if (outcome.kind === 'placed') return { status: 201, body: stringifyExact({ hold: holdJson(outcome.hold), account: accountJson(outcome.account) }) };
  return { status: errorStatus[outcome.code], body: JSON.stringify(errorBody(outcome.code, outcome.message, outcome.param)) };
}

interface PlaceBody {
  from_account_id: string;
  to: string;
  amount: number;
  memo?: string | null;
  expires_in?: number;
}

export default async function holdRoutes(app: FastifyInstance): Promise<void> {
  const { PlaceHoldBody, CaptureBody } = holdBodies(app.ctx.config.maxAmountMinor);
  const maxAmount = BigInt(app.ctx.config.maxAmountMinor);
  const money = { auth: 'bearer', limit: 'money' } as const;

  app.post('/holds', { config: money, schema: { body: PlaceHoldBody, headers: IdempotencyHeaders, response: placeHoldResponses } }, async (request, reply) => {
    const body = request.body as PlaceBody;
    const amountMinor = checkAmountMinor(body.amount, maxAmount);
    const memo = parseMemo(body.memo);
    const principal = principalOf(request);
    const key = (request.headers as { 'idempotency-key'?: string })['idempotency-key'];
    const namespacedKey = key === undefined ? undefined : apiIdempotencyKey(key);
    // A hold promises money like a transfer moves it: the same step-up (issue 13).
    const code = (request.headers as { 'mfa-code'?: string })['mfa-code'];
    await requireStepUpUnlessReplay(app.ctx, principal.userId, amountMinor, code, namespacedKey, clientInfo(request));
    const result = await placeHold(
      app.ctx,
      principal.userId,
      { fromAccountId: body.from_account_id, to: body.to, amountMinor, memo, expiresInS: body.expires_in },
      namespacedKey === undefined ? undefined : { key: namespacedKey, requestHash: requestFingerprint([request.method, request.routeOptions.url, body]) },
    );
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    const response = holdPlacedResponse(result.outcome);
    return reply.code(response.status).type('application/json; charset=utf-8').send(response.body);
  });

  app.post(
    '/holds/:hold_id/capture',
    {
      config: money,
      // The body is optional as a whole (`{amount?}`): a capture of the whole hold may send none.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: { params: HoldParams, body: CaptureBody, response: captureResponses },
    },
    async (request, reply) => {
      const { hold_id } = request.params as { hold_id: string };
      const body = (request.body ?? {}) as { amount?: number };
      const amountMinor = body.amount === undefined ? undefined : checkAmountMinor(body.amount, maxAmount);
      const principal = principalOf(request);
      const result = await captureHold(app.ctx, principal.userId, hold_id, amountMinor, { tokenId: principal.tokenId });
      return reply.code(201).send({ transaction: transactionJson(result.transaction), hold: holdJson(result.hold) });
    },
  );

  app.post('/holds/:hold_id/void', { config: money, schema: { params: HoldParams, response: voidResponses } }, async (request) => {
    const { hold_id } = request.params as { hold_id: string };
    return { hold: holdJson(await voidHold(app.ctx, principalOf(request).userId, hold_id)) };
  });

  app.get('/holds/:hold_id', { config: { auth: 'bearer', limit: 'global' }, schema: { params: HoldParams, response: holdResponses } }, async (request) => {
    const { hold_id } = request.params as { hold_id: string };
    return holdJson(await getHold(app.ctx, principalOf(request).userId, hold_id));
  });

  app.get('/holds', { config: { auth: 'bearer', limit: 'global' }, schema: { querystring: HoldsQuery, response: holdListResponses } }, async (request) => {
    const query = request.query as { role: 'payer' | 'payee'; status?: HoldStatus; limit?: string; starting_after?: string };
    const page = await listHolds(app.ctx, principalOf(request).userId, {
      role: query.role,
      status: query.status,
      limit: query.limit === undefined ? undefined : Number(query.limit),
      startingAfter: query.starting_after,
    });
    return { data: page.data.map(holdJson), has_more: page.hasMore };
  });
}
