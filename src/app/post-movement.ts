import { isDomainError } from '../domain/errors.js';
import { postBatchedTransfer } from './batched-transfers.js';
import type { AppContext } from './context.js';
import { runIdempotent, type IdempotentResult, type NamespacedKey } from './idempotency.js';
import { applyMovement, type ActorCredential, type MovementRequest } from './move-money.js';
import { refusedBy, type MovementOutcome } from './movement-outcome.js';
import { observationOf, reportMovement, type MovementObservation } from './observer.js';
import { movementOutcomeCodec } from './stored-outcome.js';
import { postThroughCommitter } from './movement-committer.js';

/**
 * The entry point for every money movement from the API and the pages: one write transaction,
 * idempotent when the client sent a key. Returns the typed outcome (issue 12 item 2), moved or
 * refused, and whether it is a replay; each edge renders it.
 * @throws DomainError idempotency_conflict; any fault that is not a business refusal.
 */
export async function postMovement(
  ctx: AppContext,
  actorUserId: string,
  request: MovementRequest,
  idempotency: { key: NamespacedKey; requestHash: string } | undefined,
  /** The token or session that asked, recorded on the ledger transaction. */
  via: ActorCredential = {},
): Promise<IdempotentResult<MovementOutcome>> {
  // SQLite with SQLITE_WRITE_WORKER: the transaction runs in the movement worker (issue 17 item 3).
  if (ctx.movements) return postThroughCommitter(ctx, ctx.movements, { actorUserId, request, via, ...(idempotency ? { idempotency } : {}) });
  // The last attempt's outcome (a write transaction may be retried); reported only once it is final.
  let observed: Omit<MovementObservation, 'type'> | undefined;
  const work = async (trx: Parameters<typeof applyMovement>[1]): Promise<MovementOutcome> => {
    try {
      const result = await applyMovement(ctx, trx, actorUserId, request, via);
      observed = { outcome: 'ok', currency: result.transaction.currency, amountMinor: result.transaction.amountMinor };
      return { kind: 'moved', ...result };
    } catch (error) {
      observed = { outcome: isDomainError(error) ? error.code : 'internal_error', currency: null, amountMinor: 0n };
      throw error;
    }
  };
  try {
    let result: IdempotentResult<MovementOutcome>;
    if (idempotency) {
      // PostgreSQL: a transfer to an account number, one call per batch (issue 17 item 5); not while
      // webhooks or email are on, nor for anything else the batch function does not do
      // (batched-transfers.ts): those, and what it hands back, take runIdempotent as before.
      const batched = await postBatchedTransfer(ctx, actorUserId, request, idempotency, via);
      if (batched) observed = observationOf(batched);
      result = batched ?? (await runIdempotent(ctx, { userId: actorUserId, ...idempotency }, work, movementOutcomeCodec));
    } else {
      try {
        result = { outcome: await ctx.storage.writeTransaction(work), replayed: false };
      } catch (error) {
        if (!isDomainError(error)) throw error;
        result = { outcome: refusedBy(error), replayed: false };
      }
    }
    reportMovement(ctx.observer, request.type, result.replayed ? { outcome: 'replayed', currency: null, amountMinor: 0n } : observed);
    return result;
  } catch (error) {
    // The transaction did not commit, whatever the last attempt saw.
    reportMovement(ctx.observer, request.type, { outcome: isDomainError(error) ? error.code : 'internal_error', currency: null, amountMinor: 0n });
    throw error;
  }
}
