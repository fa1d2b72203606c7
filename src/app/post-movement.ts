import { isDomainError } from '../domain/errors.js';
import type { AppContext } from './context.js';
import { runIdempotent, type Encoder, type IdempotentResult } from './idempotency.js';
import { applyMovement, type MovementRequest, type MovementResult } from './move-money.js';

/**
 * The entry point for every money movement from the API and the pages: one write transaction,
 * idempotent when the client sent a key.
 */
export async function postMovement(
  ctx: AppContext,
  actorUserId: string,
  request: MovementRequest,
  idempotency: { key: string; requestHash: string } | undefined,
  encode: Encoder<MovementResult>,
): Promise<IdempotentResult> {
  if (idempotency) {
    return runIdempotent(ctx, { userId: actorUserId, ...idempotency }, (trx) => applyMovement(ctx, trx, actorUserId, request), encode);
  }
  try {
    const result = await ctx.storage.writeTransaction((trx) => applyMovement(ctx, trx, actorUserId, request));
    return { ...encode({ ok: result }), replayed: false };
  } catch (error) {
    if (isDomainError(error)) return { ...encode({ error }), replayed: false };
    throw error;
  }
}
