/**
 * PostgreSQL's batched transfer path (issue 17 item 5): an idempotent transfer to an account number
 * goes to the transfer batcher (storage/dialects/postgres/transfer-batcher.ts), which sends the
 * transfers of one event-loop turn as one call of the batch function (migration 019). The function
 * does what runIdempotent + applyMovement + recordMovementEvents do on today's path, and returns the
 * raw facts (movement-facts.ts), which become the outcome here, as a replay of them would.
 *
 * Only what the function does itself goes this way. Today's path keeps: SQLite; deposits,
 * withdrawals; a payee by username; web form keys (their legacy "web:" rows are checked by
 * runIdempotent); any transfer while WEBHOOK_URLS or SMTP_URL is set (the webhook's outbox row and
 * the email's address and settings reads are not in the function); a fault hook (tests); and
 * PG_TRANSFER_BATCH_MAX=0. A key still running in this process, a key already used with another
 * body or still in progress elsewhere, and a payer whose currency has no notice text, also go back
 * to today's path, which answers them from its one home (idempotency.ts).
 */
import { parsePayee } from '../domain/payee.js';
import { moneyReceivedText, moneySentText } from '../domain/notification-kinds.js';
import { transferBatcherFor, type BatchRow, type TransferBatcher } from '../storage/dialects/postgres/transfer-batcher.js';
import { nowMsBig, type AppContext } from './context.js';
import { claimInFlight, isWebIdempotencyKey, type IdempotentResult, type NamespacedKey } from './idempotency.js';
import { MOVEMENT_FACTS_FORMAT, outcomeOfFacts } from './movement-facts.js';
import type { ActorCredential, MovementRequest } from './move-money.js';
import type { MovementOutcome } from './movement-outcome.js';
import { emailOn, webhooksOn } from './outbox.js';
import { isPlausibleId } from './owned-account.js';
import { readStoredOutcome, TYPED_OUTCOME_STATUS } from './stored-outcome.js';

/** Stands for the other side's username in a notice text; the function puts the name in its place. */
const NAME_MARK = '\u0001';

/** The currencies notice texts are made for: the bank's (a payer in another is handed back). */
const currenciesOf = (ctx: AppContext): string[] => [...new Set([ctx.config.currency, ...ctx.config.currencies])];

/** Per app: its batcher (null where transfers are not batched) and the currencies of its notice texts. */
const batching = new WeakMap<AppContext, { batcher: TransferBatcher | null; currencies: string[] }>();

function batchingOf(ctx: AppContext): { batcher: TransferBatcher | null; currencies: string[] } {
  let found = batching.get(ctx);
  if (!found) {
    const currencies = currenciesOf(ctx);
    const batcher = transferBatcherFor(ctx.storage, {
      maxBatch: ctx.config.pgTransferBatchMax,
      currencies,
      format: MOVEMENT_FACTS_FORMAT,
      status: TYPED_OUTCOME_STATUS,
    });
    batching.set(ctx, (found = { batcher: batcher ?? null, currencies }));
  }
  return found;
}

/** This app's transfer batcher, or undefined where transfers are not batched (SQLite, PG_TRANSFER_BATCH_MAX=0). */
export function transferBatcherOf(ctx: AppContext): TransferBatcher | undefined {
  return batchingOf(ctx).batcher ?? undefined;
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
  const { batcher, currencies } = batchingOf(ctx);
  if (!batcher || request.type !== 'transfer') return undefined;
  const payeeNumber = batchablePayee(ctx, request, idempotency.key);
  if (payeeNumber === undefined) return undefined;
  const amount = request.amountMinor;
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
      amountMinor: amount,
      memo: request.memo,
      transactionId: ctx.random.uuid(),
      createdAtMs: nowMsBig(ctx),
      tokenId: via.tokenId ?? null,
      sessionHandle: via.sessionHandle ?? null,
      receivedNoticeId: ctx.random.uuid(),
      sentNoticeId: ctx.random.uuid(),
      receivedTexts: currencies.map((currency) => moneyReceivedText(amount, currency, NAME_MARK)),
      sentTexts: currencies.map((currency) => moneySentText(amount, currency, NAME_MARK)),
    });
  } finally {
    release();
  }
  return resultOf(row, idempotency.requestHash);
}

/** The payee's account number when this request may take the batched path, else undefined. */
function batchablePayee(ctx: AppContext, request: MovementRequest, key: NamespacedKey): string | undefined {
  if (request.type !== 'transfer' || isWebIdempotencyKey(key)) return undefined;
  // Outbox rows (webhooks) and email reads are not in the function: today's path writes them.
  if (webhooksOn(ctx) || emailOn(ctx) || ctx.faults.afterDebit) return undefined;
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
    case 'fallback':
      return undefined;
    case 'failed':
      throw new Error(`transfer batch: the transfer failed (${row.errorCode}): ${row.errorMessage}`);
  }
}
