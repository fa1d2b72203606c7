import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiIdempotencyKey, requestFingerprint, type Encoder } from '../../../app/idempotency.js';
import type { MovementRequest, MovementResult } from '../../../app/move-money.js';
import { postMovement } from '../../../app/post-movement.js';
import { parseMemo } from '../../../domain/memo.js';
import { checkAmountMinor } from '../../../domain/money.js';
import { assertSelfServiceDepositsOn } from '../../../domain/self-service-deposits.js';
import { errorBody, errorStatus } from '../../error-status.js';
import { principalOf, requireApiUser } from '../../plugins/api-auth.js';
import { IdempotencyHeaders, moneyBodies } from './schemas.js';
import { accountJson, stringifyExact, transactionJson } from './serialize.js';

/** The stored and sent form of a movement's outcome; also what an idempotent retry gets back. */
export const encodeMovement: Encoder<MovementResult> = (outcome) =>
  'ok' in outcome
    ? { status: 201, body: stringifyExact({ transaction: transactionJson(outcome.ok.transaction), account: accountJson(outcome.ok.account) }) }
    : { status: errorStatus[outcome.error.code], body: JSON.stringify(errorBody(outcome.error.code, outcome.error.message, outcome.error.param)) };

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

  async function handle(request: FastifyRequest, reply: FastifyReply, toMovement: (b: MovementBody, amountMinor: bigint, memo: string | null) => MovementRequest) {
    const body = request.body as MovementBody;
    const movement = toMovement(body, checkAmountMinor(body.amount, maxAmount), parseMemo(body.memo));
    const key = (request.headers as { 'idempotency-key'?: string })['idempotency-key'];
    const principal = principalOf(request);
    const result = await postMovement(
      app.ctx,
      principal.userId,
      movement,
      key === undefined ? undefined : { key: apiIdempotencyKey(key), requestHash: requestFingerprint([request.method, request.routeOptions.url, body]) },
      encodeMovement,
      { tokenId: principal.tokenId },
    );
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(result.status).type('application/json; charset=utf-8').send(result.body);
  }

  const common = { onRequest: requireApiUser };
  // Authenticated first (401 before 403); refused before the body is read when deposits are off.
  const depositsOn = async () => assertSelfServiceDepositsOn(app.ctx.config.selfServiceDeposits);
  app.post('/deposits', { onRequest: [requireApiUser, depositsOn], schema: { body: AccountMovementBody, headers: IdempotencyHeaders } }, (request, reply) =>
    handle(request, reply, (b, amountMinor, memo) => ({ type: 'deposit', accountId: b.account_id ?? '', amountMinor, memo })),
  );
  app.post('/withdrawals', { ...common, schema: { body: AccountMovementBody, headers: IdempotencyHeaders } }, (request, reply) =>
    handle(request, reply, (b, amountMinor, memo) => ({ type: 'withdrawal', accountId: b.account_id ?? '', amountMinor, memo })),
  );
  app.post('/transfers', { ...common, schema: { body: TransferBody, headers: IdempotencyHeaders } }, (request, reply) =>
    handle(request, reply, (b, amountMinor, memo) => ({ type: 'transfer', fromAccountId: b.from_account_id ?? '', to: b.to ?? '', amountMinor, memo })),
  );
}
