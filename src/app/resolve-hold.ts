/**
 * Capturing and voiding a hold (issue 14 item 2; contract "Holds (round 2)"), by its payee only.
 * Each runs in ONE write transaction: the hold leaves `pending` by a conditional update (so capture,
 * void and expiry racing resolve it exactly once: the loser finds it no longer pending, 409), the
 * payer's reserve is released, and a capture posts the captured amount as an ordinary `transfer`
 * payer → payee through the journal seam. The reserve was released in the same transaction just
 * before, so the payer's available balance covers it: a capture never fails for lack of funds. It
 * can still be refused (a frozen or closed account, a bound): the whole transaction is undone and
 * the hold stays pending.
 */
import { recordCapture, recordHoldChange } from './change-events.js';
import { DomainError } from '../domain/errors.js';
import { captureAmount, holdNotFound, holdNotPending } from '../domain/hold-rules.js';
import { transferJournal } from '../domain/journal.js';
import { refusalOf } from '../domain/movement-rules.js';
import { findAccountById, type Account } from '../storage/repositories/account-repository.js';
import { findHoldWithParties, releaseHeld, resolvePendingHold, type HoldWithParties } from '../storage/repositories/hold-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { holdView, statusAt, type HoldView } from './hold-views.js';
import type { ActorCredential } from './move-money.js';
import { isPlausibleId } from './owned-account.js';
import type { TransactionView } from './views.js';

/**
 * The payee captures `amountMinor` (undefined: the whole hold) of a pending hold; the rest goes back.
 * Returns the transfer as the payee sees it (a credit) and the hold after.
 * @throws DomainError not_found (not the payee, or no such hold), hold_not_pending (409),
 * amount_exceeds_hold (422), account_frozen / account_closed / limit_reached (movement-rules).
 */
export async function captureHold(
  ctx: AppContext,
  actorUserId: string,
  holdId: string,
  amountMinor: bigint | undefined,
  via: ActorCredential = {},
): Promise<{ transaction: TransactionView; hold: HoldView }> {
  return ctx.storage.writeTransaction(async (trx) => {
    const nowMs = nowMsBig(ctx);
    const row = await pendingHoldOfPayee(trx, actorUserId, holdId, nowMs);
    const captured = captureAmount(BigInt(row.amount), amountMinor);
    const transactionId = ctx.random.uuid();
    await resolveAndRelease(trx, row, { status: 'captured', nowMs, capturedMinor: captured, transactionId });
    const from = await accountOrThrow(trx, row.from_account_id);
    const to = await accountOrThrow(trx, row.to_account_id);
    const posted = await ctx.storage.journal.post(trx, {
      from,
      to,
      journal: transferJournal(from.id, to.id, from.currency, captured),
      transaction: {
        id: transactionId,
        type: 'transfer',
        memo: row.memo,
        actorUserId,
        actorTokenId: via.tokenId ?? null,
        actorSessionId: via.sessionHandle ?? null,
        createdAtMs: nowMs,
      },
      afterDebit: ctx.faults.afterDebit,
    });
    if (posted.kind === 'refused')
      throw refusalOf(posted.facts, { from: from.currency, to: to.currency }) ?? new Error('capture: refused with every fact holding');
    const transaction: TransactionView = {
      id: transactionId,
      type: 'transfer',
      amountMinor: captured,
      direction: 'credit',
      balanceAfterMinor: posted.balances.to,
      currency: to.currency,
      memo: row.memo,
      counterparty: { username: row.from_username ?? '', accountNumber: row.from_number },
      createdAtMs: nowMs,
      cursor: 0n,
    };
    const after = { ...row, status: 'captured' as const, captured_amount: captured, resolved_at: nowMs, transaction_id: transactionId };
    const hold = holdView(after, nowMs);
    await recordCapture(ctx, trx, transaction, hold, [from.id, to.id]);
    return { transaction, hold };
  });
}

/**
 * The payee voids a pending hold: the whole reserve goes back to the payer.
 * @throws DomainError not_found (not the payee, or no such hold), hold_not_pending (409).
 */
export async function voidHold(ctx: AppContext, actorUserId: string, holdId: string): Promise<HoldView> {
  return ctx.storage.writeTransaction(async (trx) => {
    const nowMs = nowMsBig(ctx);
    const row = await pendingHoldOfPayee(trx, actorUserId, holdId, nowMs);
    await resolveAndRelease(trx, row, { status: 'voided', nowMs, capturedMinor: 0n, transactionId: null });
    const hold = holdView({ ...row, status: 'voided', resolved_at: nowMs }, nowMs);
    await recordHoldChange(ctx, trx, hold, [row.from_account_id, row.to_account_id]);
    return hold;
  });
}

/** The hold, if `actorUserId` is its payee (anyone else: not_found) and it reads pending at `nowMs`. */
async function pendingHoldOfPayee(trx: Trx, actorUserId: string, holdId: string, nowMs: bigint): Promise<HoldWithParties> {
  const row = isPlausibleId(holdId) ? await findHoldWithParties(trx, holdId) : undefined;
  if (!row || row.to_user_id !== actorUserId) throw holdNotFound();
  if (statusAt(row, nowMs) !== 'pending') throw holdNotPending();
  return row;
}

/** The conditional update out of `pending` (the one that decides a race), then the payer's release. */
async function resolveAndRelease(
  trx: Trx,
  row: HoldWithParties,
  change: { status: 'captured' | 'voided'; nowMs: bigint; capturedMinor: bigint; transactionId: string | null },
): Promise<void> {
  const resolved = await resolvePendingHold(trx, row.id, change);
  if (!resolved) throw holdNotPending();
  await releaseHeld(trx, resolved.from_account_id, BigInt(resolved.amount));
}

async function accountOrThrow(trx: Trx, id: string): Promise<Account> {
  const account = await findAccountById(trx, id);
  if (!account) throw new DomainError('not_found', 'No such account.');
  return account;
}
