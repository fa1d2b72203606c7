/**
 * One ledger transaction as an admin sees it in the console (issue 15 part B): both sides, its
 * public type, whether it was reversed or a reversal of it awaits approval. The console's reverse
 * form is on this view; the approval queue shows each approval's original through it. A look at
 * one transaction is a `staff_looked` event like every look (staff-looks.ts); the queue's reads of
 * originals are part of looking at the queue and are not recorded one by one.
 */
import { DomainError } from '../domain/errors.js';
import { publicType, type PublicType } from '../domain/reversal.js';
import { staffLedgerRows, type LedgerSide, type StaffLedgerRow } from '../storage/repositories/staff-ledger-repository.js';
import { findPendingApprovalOf } from '../storage/repositories/reversal-repository.js';
import type { AppContext } from './context.js';
import { isPlausibleId } from './owned-account.js';
import { approvalById, type ApprovalView } from './reversal-approvals.js';
import { recordStaffAction } from './staff-audit.js';
import type { Looker } from './staff-looks.js';

export type { LedgerSide };

/** A transaction for staff: amount in minor units, time epoch ms, `from` the side debited. */
export interface StaffTransactionView {
  id: string;
  type: PublicType;
  amountMinor: bigint;
  currency: string;
  memo: string | null;
  createdAtMs: bigint;
  from: LedgerSide;
  to: LedgerSide;
  /** The transaction this one reverses, when it is a reversal. */
  reversalOf: string | null;
  /** The reversal of this one, if it was reversed. */
  reversalId: string | null;
}

const view = (row: StaffLedgerRow): StaffTransactionView => ({
  id: row.id,
  type: publicType(row.storedType, row.reversalOf),
  amountMinor: row.amountMinor,
  currency: row.currency,
  memo: row.memo,
  createdAtMs: row.createdAtMs,
  from: row.from,
  to: row.to,
  reversalOf: row.reversalOf,
  reversalId: row.reversalId,
});

/**
 * The transaction `id` with its pending reversal approval (null when none, or when it expired),
 * recorded as a look naming the transaction.
 * @throws DomainError not_found (param transaction_id).
 */
export async function lookAtTransaction(
  ctx: AppContext,
  looker: Looker,
  id: string,
): Promise<{ transaction: StaffTransactionView; pendingApproval: ApprovalView | null }> {
  const row = isPlausibleId(id) ? (await staffLedgerRows(ctx.storage.db, [id])).get(id) : undefined;
  if (!row) throw new DomainError('not_found', 'No such transaction.', 'transaction_id');
  await recordStaffAction(ctx, looker.staff, looker.client, 'staff_looked', { what: 'transaction', transaction: row.id, reason: looker.reason });
  const pending = await findPendingApprovalOf(ctx.storage.db, row.id);
  const approval = pending ? await approvalById(ctx, pending.id) : null;
  return { transaction: view(row), pendingApproval: approval?.status === 'pending' ? approval : null };
}

/** The transactions `ids` that exist, by id (the approval queue's originals). */
export async function transactionsForStaff(ctx: AppContext, ids: readonly string[]): Promise<Map<string, StaffTransactionView>> {
  const rows = await staffLedgerRows(ctx.storage.db, [...new Set(ids)]);
  return new Map([...rows].map(([id, row]) => [id, view(row)]));
}
