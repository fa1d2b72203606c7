import { isDomainError } from '../domain/errors.js';
import type { AppContext } from './context.js';
import { runIdempotent, type Encoder, type IdempotentResult, type NamespacedKey } from './idempotency.js';
import { applyMovement, type ActorCredential, type MovementRequest, type MovementResult } from './move-money.js';
import type { MovementObservation } from './observer.js';

/**
 * The entry point for every money movement from the API and the pages: one write transaction,
 * idempotent when the client sent a key.
 */
export async function postMovement(
  ctx: AppContext,
  actorUserId: string,
  request: MovementRequest,
  idempotency: { key: NamespacedKey; requestHash: string } | undefined,
  encode: Encoder<MovementResult>,
  /** The token or session that asked, recorded on the ledger transaction. */
  via: ActorCredential = {},
): Promise<IdempotentResult> {
  // The last attempt's outcome (a write transaction may be retried); reported only once it is final.
  let observed: Omit<MovementObservation, 'type'> | undefined;
  const work = async (trx: Parameters<typeof applyMovement>[1]) => {
    try {
      const result = await applyMovement(ctx, trx, actorUserId, request, via);
      observed = { outcome: 'ok', currency: result.transaction.currency, amountMinor: result.transaction.amountMinor };
      return result;
    } catch (error) {
      observed = { outcome: isDomainError(error) ? error.code : 'internal_error', currency: null, amountMinor: 0n };
      throw error;
    }
  };
  try {
    let result: IdempotentResult;
    if (idempotency) {
      result = await runIdempotent(ctx, { userId: actorUserId, ...idempotency }, work, encode);
    } else {
      try {
        result = { ...encode({ ok: await ctx.storage.writeTransaction(work) }), replayed: false };
      } catch (error) {
        if (!isDomainError(error)) throw error;
        result = { ...encode({ error }), replayed: false };
      }
    }
    report(ctx, request, result.replayed ? { outcome: 'replayed', currency: null, amountMinor: 0n } : observed);
    return result;
  } catch (error) {
    // The transaction did not commit, whatever the last attempt saw.
    report(ctx, request, { outcome: isDomainError(error) ? error.code : 'internal_error', currency: null, amountMinor: 0n });
    throw error;
  }
}

function report(ctx: AppContext, request: MovementRequest, observed: Omit<MovementObservation, 'type'> | undefined): void {
  if (!observed) return;
  try {
    ctx.observer?.movement({ type: request.type, ...observed });
  } catch {
    // Metrics must never change the answer a client gets.
  }
}
