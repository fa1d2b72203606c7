import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiIdempotencyKey, requestFingerprint } from '../../../app/idempotency.js';
import type { MovementRequest } from '../../../app/move-money.js';
import type { MovementOutcome } from '../../../app/movement-outcome.js';
import { postMovement } from '../../../app/post-movement.js';
import { requireStepUpUnlessReplay } from '../../../app/step-up.js';
import { clientInfo } from '../../client-info.js';
import { parseMemo } from '../../../domain/memo.js';
import { checkAmountMinor } from '../../../domain/money.js';
import { assertSelfServiceDepositsOn } from '../../../domain/self-service-deposits.js';
import { errorBody, errorStatus } from '../../error-status.js';
import { principalOf } from '../../plugins/api-auth.js';
import { IdempotencyHeaders, moneyBodies, movementResponses } from './schemas.js';
import { accountJson, stringifyExact, transactionJson } from './serialize.js';

/**
 * The API's answer to a movement's outcome (issue 12 item 2): 201 with the transaction and the
 * actor's account, or the refusal's status with the contract's error body (no request_id: a replay
 * answers exactly as the first request did). The bytes are the ones the version before issue 12
 * stored and replayed, so an upgraded server answers a retry as the old one would have.
 */
export function movementResponse(outcome: MovementOutcome): { status: number; body: string } {
  if (outcome.kind === 'moved')
    return { status: 201, body: stringifyExact({ transaction: transactionJson(outcome.transaction), account: accountJson(outcome.account) }) };
  return { status: errorStatus[outcome.code], body: JSON.stringify(errorBody(outcome.code, outcome.message, outcome.param)) };
}

interface MovementBody {
  account_id?: string;
  from_account_id?: string;
  to?: string;
  amount: number;
  memo?: string | null;
}

export default async function moneyRoutes(app: FastifyInstance): Promise<void> {
  const { AccountMovementBody, TransferBody } = moneyBodies(app.ctx.config.maxAmountMinor);
  const maxAmount = BigInt(app.ctx.config.maxAmountMinor);

  async function handle(
    request: FastifyRequest,
    reply: FastifyReply,
    toMovement: (b: MovementBody, amountMinor: bigint, memo: string | null) => MovementRequest,
  ) {
    const body = request.body as MovementBody;
    const movement = toMovement(body, checkAmountMinor(body.amount, maxAmount), parseMemo(body.memo));
    const key = (request.headers as { 'idempotency-key'?: string })['idempotency-key'];
    const principal = principalOf(request);
    const namespacedKey = key === undefined ? undefined : apiIdempotencyKey(key);
    // Issue 13 step-up: a large transfer needs a fresh TOTP code in `MFA-Code` (else 403, nothing moves).
    if (movement.type === 'transfer') {
      const code = (request.headers as { 'mfa-code'?: string })['mfa-code'];
      await requireStepUpUnlessReplay(app.ctx, principal.userId, movement.amountMinor, code, namespacedKey, clientInfo(request));
    }
    const result = await postMovement(
      app.ctx,
      principal.userId,
      movement,
      namespacedKey === undefined ? undefined : { key: namespacedKey, requestHash: requestFingerprint([request.method, request.routeOptions.url, body]) },
      { tokenId: principal.tokenId },
    );
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    const response = movementResponse(result.outcome);
    // Sent as text: the schema's serializer is not run on a string, so the bytes are movementResponse's.
    return reply.code(response.status).type('application/json; charset=utf-8').send(response.body);
  }

  const common = { config: { auth: 'bearer', limit: 'money' } as const };
  // Authenticated first (401 before 403); refused before the body is read when deposits are off.
  const depositsOn = async () => assertSelfServiceDepositsOn(app.ctx.config.selfServiceDeposits);
  app.post(
    '/deposits',
    { ...common, onRequest: depositsOn, schema: { body: AccountMovementBody, headers: IdempotencyHeaders, response: movementResponses } },
    (request, reply) => handle(request, reply, (b, amountMinor, memo) => ({ type: 'deposit', accountId: b.account_id ?? '', amountMinor, memo })),
  );
  app.post('/withdrawals', { ...common, schema: { body: AccountMovementBody, headers: IdempotencyHeaders, response: movementResponses } }, (request, reply) =>
    handle(request, reply, (b, amountMinor, memo) => ({ type: 'withdrawal', accountId: b.account_id ?? '', amountMinor, memo })),
  );
  app.post('/transfers', { ...common, schema: { body: TransferBody, headers: IdempotencyHeaders, response: movementResponses } }, (request, reply) =>
    handle(request, reply, (b, amountMinor, memo) => ({ type: 'transfer', fromAccountId: b.from_account_id ?? '', to: b.to ?? '', amountMinor, memo })),
  );
}
