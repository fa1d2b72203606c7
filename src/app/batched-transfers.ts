/**
 * PostgreSQL's batched transfer path (issue 17 item 5): an idempotent transfer to an account number
 * goes to the transfer batcher (storage/dialects/postgres/transfer-batcher.ts), which sends the
 * transfers of one event-loop turn as one call of the batch function (storage/dialects/postgres/
 * transfer-batch-sql.ts). The function does what runIdempotent + applyMovement do on today's path,
 * and returns the raw facts (movement-facts.ts), which become the outcome here, as a replay of them
 * would. The movement's notices are written after commit for both paths alike
 * (write-movement-notices.ts).
 *
 * Only what the function does itself goes this way. Today's path keeps: SQLite; deposits,
 * withdrawals; a payee by username; web form keys (their legacy "web:" rows are checked by
 * runIdempotent); any transfer while WEBHOOK_URLS is set (the webhook's outbox row is not in the
 * function); a fault hook (tests); and PG_TRANSFER_BATCH_MAX=0. A key still running in this
 * process, and a key already used with another body or still in progress elsewhere, also go back to
 * today's path, which answers them from its one home (idempotency.ts).
 */
import { parsePayee } from '../domain/payee.js';
import { transferBatcherFor, type BatchRow, type TransferBatcher } from '../storage/dialects/postgres/transfer-batcher.js';
import { nowMsBig, type AppContext } from './context.js';
import { claimInFlight, isWebIdempotencyKey, type IdempotentResult, type NamespacedKey } from './idempotency.js';
import { MOVEMENT_FACTS_FORMAT, outcomeOfFacts } from './movement-facts.js';
import type { ActorCredential, MovementRequest } from './move-money.js';
import type { MovementOutcome } from './movement-outcome.js';
import { webhooksOn } from './outbox.js';
import { isPlausibleId } from './owned-account.js';
import { readStoredOutcome, TYPED_OUTCOME_STATUS } from './stored-outcome.js';

/** Per app: its batcher (null where transfers are not batched). */
const batching = new WeakMap<AppContext, TransferBatcher | null>();

/** This app's transfer batcher, or undefined where transfers are not batched (SQLite, PG_TRANSFER_BATCH_MAX=0). */
export function transferBatcherOf(ctx: AppContext): TransferBatcher | undefined {
  let found = batching.get(ctx);
  if (found === undefined) {
    const batcher = transferBatcherFor(ctx.storage, { maxBatch: ctx.config.pgTransferBatchMax, format: MOVEMENT_FACTS_FORMAT, status: TYPED_OUTCOME_STATUS });
    batching.set(ctx, (found = batcher ?? null));
  }
  return found ?? undefined;
}

/**
 * Posts the transfer through the batcher when it qualifies (see above). Returns undefined when it
 * does not, or when the function handed it back (today's path must run it); nothing was written then.
 * @throws Error when the function failed on this transfer (nothing of it was written) or the whole
 * call failed (after its retries).
 */
export async function postBatchedTransfer(
  ctx: AppContext,
  actorUserId: string,
  request: MovementRequest,
  idempotency: { key: NamespacedKey; requestHash: string },
  via: ActorCredential,
): Promise<IdempotentResult<MovementOutcome> | undefined> {
  // The batcher first: where there is none (SQLite, PG_TRANSFER_BATCH_MAX=0) nothing else is asked.
  const batcher = transferBatcherOf(ctx);
  if (!batcher || request.type !== 'transfer') return undefined;
  const payeeNumber = batchablePayee(ctx, request, idempotency.key);
  if (payeeNumber === undefined) return undefined;
  let row: BatchRow;
  // runIdempotent's in-process check (a key still running here is idempotency_conflict).
  const release = claimInFlight(ctx, { userId: actorUserId, key: idempotency.key });
  try {
    row = await batcher.submit({
      userId: actorUserId,
      key: idempotency.key,
      requestHash: idempotency.requestHash,
      payerId: request.fromAccountId,
      payeeNumber,
      amountMinor: request.amountMinor,
      memo: request.memo,
      transactionId: ctx.random.uuid(),
      createdAtMs: nowMsBig(ctx),
      tokenId: via.tokenId ?? null,
      sessionHandle: via.sessionHandle ?? null,
    });
  } finally {
    release();
  }
  return resultOf(row, idempotency.requestHash);
}

/** The payee's account number when this request may take the batched path, else undefined. */
function batchablePayee(ctx: AppContext, request: MovementRequest, key: NamespacedKey): string | undefined {
  if (request.type !== 'transfer' || isWebIdempotencyKey(key)) return undefined;
  // Outbox rows (webhooks) are not in the function: today's path writes them.
  if (webhooksOn(ctx) || ctx.faults.afterDebit) return undefined;
  if (!isPlausibleId(request.fromAccountId)) return undefined;
  try {
    const payee = parsePayee(request.to);
    return 'accountNumber' in payee ? payee.accountNumber : undefined;
  } catch {
    // A malformed number: today's path refuses it and stores the refusal.
    return undefined;
  }
}

function resultOf(row: BatchRow, requestHash: string): IdempotentResult<MovementOutcome> | undefined {
  switch (row.kind) {
    case 'moved':
    case 'refused':
      return { outcome: outcomeOfFacts(JSON.parse(row.body ?? 'null') as Record<string, unknown>), replayed: false };
    case 'replay':
      // A finished request with this body replays here; a conflict goes to today's path, which names it.
      if (row.status === null || row.body === null || row.requestHash !== requestHash) return undefined;
      return { outcome: readStoredOutcome({ status: row.status, body: row.body }), replayed: true };
    case 'failed':
      throw new Error(`transfer batch: the transfer failed (${row.errorCode}): ${row.errorMessage}`);
  }
}
