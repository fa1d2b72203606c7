/**
 * The second pair of eyes (issue 15 item 2; contract "Operators (round 2)"): a reversal of at least
 * REVERSAL_APPROVAL_MINOR waits until another admin approves it. The maker cannot approve their own
 * (403 forbidden); an approval no longer pending (approved, or expired after 24 hours) is 409
 * approval_not_pending. Two admins approving at once give one reversal: both lock the original
 * transaction's row first (reversal-repository.ts), so the second reads the first's approval as
 * approved. Only admins reach these use cases (the routes say `staff: 'admin'`).
 */
import { DomainError } from '../domain/errors.js';
import { approvalState } from '../domain/reversal.js';
import { findApproval, listApprovals, lockOriginal, markApproved, type ApprovalRow } from '../storage/repositories/reversal-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { isPlausibleId } from './owned-account.js';
import { postReversal, refuseIfReversedOrPending, refuseStaffOwnAccounts, type ReversalActor } from './reversal-posting.js';
import { requireStaffStepUp } from './staff-step-up.js';
import type { TransactionView } from './views.js';

/** An approval as read now: a pending one past its expiry reads `expired`. Amount in minor units, times epoch ms. */
export interface ApprovalView {
  id: string;
  status: 'pending' | 'approved' | 'expired';
  transactionId: string;
  amountMinor: bigint;
  currency: string;
  reason: string;
  requestedBy: string;
  approvedBy: string | null;
  createdAtMs: bigint;
  expiresAtMs: bigint;
  decidedAtMs: bigint | null;
  reversalId: string | null;
}

const view = (row: ApprovalRow, nowMs: bigint): ApprovalView => ({
  id: row.id,
  status: approvalState(row.status, row.expiresAtMs, nowMs),
  transactionId: row.transactionId,
  amountMinor: row.amountMinor,
  currency: row.currency,
  reason: row.reason,
  requestedBy: row.makerUsername,
  approvedBy: row.checkerUsername,
  createdAtMs: row.createdAtMs,
  expiresAtMs: row.expiresAtMs,
  decidedAtMs: row.decidedAtMs,
  reversalId: row.reversalId,
});

const approvalNotFound = () => new DomainError('not_found', 'No such approval.', 'approval_id');
const notPending = () => new DomainError('approval_not_pending', 'This approval is no longer pending: it was approved, or it expired.');

/** The approval `id` as read now. @throws DomainError not_found. */
export async function approvalById(ctx: AppContext, id: string): Promise<ApprovalView> {
  const row = isPlausibleId(id) ? await findApproval(ctx.storage.db, id) : undefined;
  if (!row) throw approvalNotFound();
  return view(row, nowMsBig(ctx));
}

/** The approval queue: newest first, at most `limit` (1..200); `pendingOnly` leaves out decided and expired ones. */
export async function listReversalApprovals(ctx: AppContext, options: { pendingOnly: boolean; limit?: number }): Promise<ApprovalView[]> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new DomainError('invalid_request', 'limit must be between 1 and 200.', 'limit');
  const nowMs = nowMsBig(ctx);
  const rows = await listApprovals(ctx.storage.db, { status: options.pendingOnly ? 'pending' : undefined, limit });
  return rows.map((r) => view(r, nowMs)).filter((v) => !options.pendingOnly || v.status === 'pending');
}

/**
 * Approves the pending reversal `approvalId` as `actor` (an admin other than its maker) and writes
 * the reversal, in one database transaction. `code`: the approver's TOTP code (MFA-Code).
 * @throws DomainError not_found, forbidden (403: the maker, or an account of the approver's), step_up_required, approval_not_pending
 * (409), already_reversed, insufficient_funds or another movement refusal (the approval then stays pending).
 */
export async function approveReversal(ctx: AppContext, actor: ReversalActor, approvalId: string, code: string | null | undefined): Promise<TransactionView> {
  const first = isPlausibleId(approvalId) ? await findApproval(ctx.storage.db, approvalId) : undefined;
  if (!first) throw approvalNotFound();
  if (first.makerUserId === actor.staff.userId) throw new DomainError('forbidden', 'You asked for this reversal; another admin must approve it.');
  if (approvalState(first.status, first.expiresAtMs, nowMsBig(ctx)) !== 'pending') throw notPending();
  await requireStaffStepUp(ctx, actor.staff.userId, code, actor.client, 'approve_reversal');
  return ctx.storage.writeTransaction(async (trx) => {
    const original = await lockOriginal(trx, ctx.storage.dialect, first.transactionId);
    if (!original) throw new Error(`approval ${first.id} names a transaction that is not in the ledger`);
    // Read again under the lock: another admin may have approved it while we waited.
    const approval = await findApproval(trx, first.id);
    const nowMs = nowMsBig(ctx);
    if (!approval || approvalState(approval.status, approval.expiresAtMs, nowMs) !== 'pending') throw notPending();
    await refuseIfReversedOrPending(ctx, trx, original.id, approval.id);
    await refuseStaffOwnAccounts(trx, original, [actor.staff.userId, approval.makerUserId]);
    const transaction = await postReversal(ctx, trx, original, actor, approval.reason, { id: approval.id, makerUserId: approval.makerUserId });
    if (!(await markApproved(trx, approval.id, actor.staff.userId, transaction.id, nowMs))) throw notPending();
    return transaction;
  });
}
