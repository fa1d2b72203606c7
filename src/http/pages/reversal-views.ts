/**
 * What the console's reversal pages show (issue 15 part B): a transaction's two sides, an approval
 * in the queue, and the refusals of a reversal or an approval in words an operator can act on.
 * Plain strings for src/views/admin-transaction.eta and admin-approvals.eta; no use case here.
 */
import type { ApprovalView } from '../../app/reversal-approvals.js';
import type { LedgerSide, StaffTransactionView } from '../../app/staff-transactions.js';
import type { DomainError } from '../../domain/errors.js';
import { formatAccountNumber, formatDateTime, formatMoney, isoTime } from './format.js';

const MINUTE_MS = 60_000n;

/** A side as a label, and a console link for a customer's account (the bank's cash has none). */
export const sideRow = (s: LedgerSide) => ({
  label: s.username === null ? "the bank's cash" : `${s.username} (${formatAccountNumber(s.number)})`,
  href: s.kind === 'user' ? `/admin/accounts/${encodeURIComponent(s.accountId)}` : null,
});

export const staffTransactionRow = (t: StaffTransactionView, timeZone: string) => ({
  id: t.id,
  href: `/admin/transactions/${encodeURIComponent(t.id)}`,
  type: t.type,
  amount: formatMoney(t.amountMinor, t.currency),
  from: sideRow(t.from),
  to: sideRow(t.to),
  memo: t.memo ?? '',
  when: formatDateTime(t.createdAtMs, timeZone),
  whenIso: isoTime(t.createdAtMs),
  reversalOf: t.reversalOf,
  reversalId: t.reversalId,
});

/** "3 h 20 min" from a span of epoch ms (never negative). */
export function span(ms: bigint): string {
  const m = ms < 0n ? 0n : ms / MINUTE_MS;
  const h = m / 60n;
  return h > 0n ? `${h} h ${m % 60n} min` : `${m} min`;
}

/** An approval in the queue; `original` when its transaction could be read. */
export const approvalRow = (a: ApprovalView, original: StaffTransactionView | undefined, me: string, nowMs: bigint, timeZone: string) => ({
  id: a.id,
  status: a.status,
  amount: formatMoney(a.amountMinor, a.currency),
  reason: a.reason,
  requestedBy: a.requestedBy,
  approvedBy: a.approvedBy ?? '',
  mine: a.requestedBy === me,
  asked: formatDateTime(a.createdAtMs, timeZone),
  askedIso: isoTime(a.createdAtMs),
  age: span(nowMs - a.createdAtMs),
  expiresIn: span(a.expiresAtMs - nowMs),
  expiresIso: isoTime(a.expiresAtMs),
  original: original ? staffTransactionRow(original, timeZone) : null,
  transactionHref: `/admin/transactions/${encodeURIComponent(a.transactionId)}`,
  reversalHref: a.reversalId ? `/admin/transactions/${encodeURIComponent(a.reversalId)}` : null,
});

/** A pending approval as the transaction page mentions it. */
export const pendingNote = (a: ApprovalView, nowMs: bigint) => ({ requestedBy: a.requestedBy, expiresIn: span(a.expiresAtMs - nowMs), reason: a.reason });

/**
 * Where a refused reversal or approval is shown and in which words: a bad reason beside the reason
 * field, a missing or wrong code beside the code field, everything else above the form.
 */
export function reversalRefusal(error: DomainError): { field: 'reason' | 'mfa_code' | 'form'; text: string } {
  switch (error.code) {
    case 'step_up_required':
      return { field: 'mfa_code', text: error.message };
    case 'already_reversed':
      return { field: 'form', text: 'This transaction was already reversed, or a reversal of it is waiting for approval. Nothing was changed.' };
    case 'approval_not_pending':
      return { field: 'form', text: 'This approval is no longer pending: another admin approved it, or it expired after 24 hours. Nothing was changed.' };
    case 'insufficient_funds':
      return { field: 'form', text: 'The account the money would come back from no longer holds enough, so nothing was reversed.' };
    case 'forbidden':
      return { field: 'form', text: 'You asked for this reversal, so another admin must approve it.' };
    default:
      return { field: error.param === 'reason' ? 'reason' : 'form', text: error.message };
  }
}
