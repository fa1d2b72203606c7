/**
 * An admin reverses a transaction (issue 15 item 2; contract "Operators (round 2)"): POST
 * /api/v1/admin/transactions/{id}/reverse and the console's reverse form. Below
 * REVERSAL_APPROVAL_MINOR the reversal is written at once; from it on, the request waits for a
 * second admin (maker-checker, approve-reversal.ts). Either way: a reason (staff-reason.ts), a fresh
 * TOTP code (staff-step-up.ts), at most one reversal or pending request per transaction, decided
 * with the original's row locked (reversal-repository.ts), in one database transaction.
 */
import { DomainError } from '../domain/errors.js';
import { APPROVAL_LIFETIME_MS, needsApproval, planReversal } from '../domain/reversal.js';
import { parseReason } from '../domain/staff-reason.js';
import { insertApproval, lockOriginal } from '../storage/repositories/reversal-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { isPlausibleId } from './owned-account.js';
import { approvalById, type ApprovalView } from './reversal-approvals.js';
import { postReversal, refuseIfReversedOrPending, refuseStaffOwnAccounts, type ReversalActor } from './reversal-posting.js';
import { recordSecurityEvent } from './security-events.js';
import { requireStaffStepUp } from './staff-step-up.js';
import type { TransactionView } from './views.js';

export type ReversalOutcome = { kind: 'reversed'; transaction: TransactionView } | { kind: 'pending'; approval: ApprovalView };

export const transactionNotFound = () => new DomainError('not_found', 'No such transaction.', 'transaction_id');

/**
 * Reverses `transactionId`, or asks for a second admin's approval when its amount is at least
 * REVERSAL_APPROVAL_MINOR (minor units). `code`: the staff member's TOTP code (MFA-Code).
 * @throws DomainError invalid_request (param reason; or transaction_id for a reversal), step_up_required,
 * not_found, forbidden (the admin's own account), already_reversed (409, also while a request awaits approval), insufficient_funds (422,
 * the payee no longer has the money) or another movement refusal; nothing is written then.
 */
export async function reverseTransaction(
  ctx: AppContext,
  actor: ReversalActor,
  transactionId: string,
  uncheckedReason: unknown,
  code: string | null | undefined,
): Promise<ReversalOutcome> {
  const reason = parseReason(uncheckedReason);
  if (!isPlausibleId(transactionId)) throw transactionNotFound();
  await requireStaffStepUp(ctx, actor.staff.userId, code, actor.client, 'reverse');
  const outcome = await ctx.storage.writeTransaction(
    async (trx): Promise<{ kind: 'reversed'; transaction: TransactionView } | { kind: 'pending'; id: string }> => {
      const original = await lockOriginal(trx, ctx.storage.dialect, transactionId);
      if (!original) throw transactionNotFound();
      const plan = planReversal(original);
      await refuseIfReversedOrPending(ctx, trx, original.id);
      await refuseStaffOwnAccounts(trx, original, [actor.staff.userId]);
      if (!needsApproval(plan.amountMinor, BigInt(ctx.config.reversalApprovalMinor))) {
        return { kind: 'reversed', transaction: await postReversal(ctx, trx, original, actor, reason) };
      }
      const id = ctx.random.uuid();
      const nowMs = nowMsBig(ctx);
      await insertApproval(trx, {
        id,
        transactionId: original.id,
        amountMinor: plan.amountMinor,
        currency: plan.currency,
        reason,
        makerUserId: actor.staff.userId,
        createdAtMs: nowMs,
        expiresAtMs: nowMs + APPROVAL_LIFETIME_MS,
      });
      const details = { transaction: original.id, approval: id, amount_minor: plan.amountMinor.toString(), reason };
      await recordSecurityEvent(ctx, { type: 'staff_requested_reversal', userId: actor.staff.userId, client: actor.client, details }, trx);
      return { kind: 'pending', id };
    },
  );
  if (outcome.kind === 'reversed') return outcome;
  return { kind: 'pending', approval: await approvalById(ctx, outcome.id) };
}
