/**
 * Reversals with four eyes in the console (issue 15 part B; contract "Operators (round 2)"), for
 * admins only (`staff: 'admin'`: plugins/staff-access.ts refuses customers, support staff and staff
 * without a second factor with 403 before anything here runs):
 *
 * - /admin/transactions/:id shows one transaction, its two sides and whether it was reversed, with
 *   the reverse form (reason and a fresh TOTP code: app/staff-step-up.ts). Below
 *   REVERSAL_APPROVAL_MINOR the reversal is posted at once; from it on it waits for a second admin.
 * - /admin/approvals is the queue: pending reversals with maker, amount, original, reason, age and
 *   expiry, each with an approve form (a TOTP code; the API's approve takes no reason either). The
 *   maker sees their own without a form, and a post of it anyway gets a friendly 403.
 *
 * The use cases are the API's (reverse-transaction.ts, reversal-approvals.ts): same rules, same locks,
 * the journal seam. CSRF on every form, POST-redirect-GET, no JavaScript.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { approveReversal, listReversalApprovals } from '../../../app/reversal-approvals.js';
import { reverseTransaction } from '../../../app/reverse-transaction.js';
import { lookAtTransaction, transactionsForStaff } from '../../../app/staff-transactions.js';
import { nowMsBig } from '../../../app/context.js';
import { isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { errorStatus } from '../../error-status.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { errorItems, field, type FieldErrors } from '../../pages/forms.js';
import { formatMoney } from '../../pages/format.js';
import { approvalRow, pendingNote, reversalRefusal, staffTransactionRow } from '../../pages/reversal-views.js';
import { sessionOf } from '../../plugins/session.js';
import { staffOf } from '../../plugins/staff-access.js';
import { renderConsole } from './admin.js';

const actor = (request: FastifyRequest) => ({ staff: staffOf(request), client: clientInfo(request) });
const looker = (request: FastifyRequest) => ({ ...actor(request), reason: null });
const page = { config: { auth: 'session', limit: 'global', staff: 'admin' } } as const;
const post = { config: { auth: 'session', csrf: true, limit: 'money', staff: 'admin' } } as const;
/** How many decided (approved or expired) approvals the queue lists under the pending ones. */
const DECIDED_SHOWN = 20;

export default async function adminReversalPages(app: FastifyInstance): Promise<void> {
  transactionPages(app);
  approvalPages(app);
}

/** The transaction's page and its reverse form. */
function transactionPages(app: FastifyInstance): void {
  const ctx = app.ctx;

  async function showTransaction(request: FastifyRequest, reply: FastifyReply, errors: FieldErrors, status: number) {
    const { transaction_id } = request.params as { transaction_id: string };
    const { transaction, pendingApproval } = await lookAtTransaction(ctx, looker(request), transaction_id);
    const row = staffTransactionRow(transaction, sessionOf(request).timeZone);
    const threshold = BigInt(ctx.config.reversalApprovalMinor);
    return renderConsole(
      request,
      reply,
      'admin-transaction',
      {
        title: `Transaction ${transaction.type}`,
        transaction: row,
        pending: pendingApproval ? pendingNote(pendingApproval, nowMsBig(ctx)) : null,
        canReverse: transaction.type !== 'reversal' && transaction.reversalId === null && pendingApproval === null,
        needsApproval: transaction.amountMinor >= threshold,
        threshold: formatMoney(threshold, transaction.currency),
        errors: errorItems(errors, ['reason', 'mfa_code']),
      },
      status,
    );
  }

  app.get('/admin/transactions/:transaction_id', page, async (request, reply) => showTransaction(request, reply, {}, 200));

  app.post('/admin/transactions/:transaction_id/reverse', post, async (request, reply) => {
    const { transaction_id } = request.params as { transaction_id: string };
    try {
      const outcome = await reverseTransaction(ctx, actor(request), transaction_id, field(request, 'reason'), field(request, 'mfa_code'));
      const text =
        outcome.kind === 'reversed'
          ? `Reversed: ${formatMoney(outcome.transaction.amountMinor, outcome.transaction.currency)} went back.`
          : `Waiting for a second admin's approval: ${formatMoney(outcome.approval.amountMinor, outcome.approval.currency)} is at or above the limit for one admin.`;
      return redirectWithFlash(reply, `/admin/transactions/${encodeURIComponent(transaction_id)}`, {
        kind: outcome.kind === 'reversed' ? 'success' : 'info',
        text,
      });
    } catch (error) {
      if (!isDomainError(error) || error.code === 'not_found') throw error;
      const refusal = reversalRefusal(error);
      return showTransaction(request, reply, { [refusal.field]: refusal.text }, errorStatus[error.code]);
    }
  });
}

/** The approval queue and its approve forms. */
function approvalPages(app: FastifyInstance): void {
  const ctx = app.ctx;

  async function showQueue(request: FastifyRequest, reply: FastifyReply, error: { approvalId: string; text: string } | null, status: number) {
    const all = await listReversalApprovals(ctx, { pendingOnly: false, limit: 200 });
    const pending = all.filter((a) => a.status === 'pending');
    const decided = all.filter((a) => a.status !== 'pending').slice(0, DECIDED_SHOWN);
    const originals = await transactionsForStaff(
      ctx,
      [...pending, ...decided].map((a) => a.transactionId),
    );
    const me = staffOf(request).username;
    const nowMs = nowMsBig(ctx);
    const timeZone = sessionOf(request).timeZone;
    const rows = (list: typeof all) => list.map((a) => approvalRow(a, originals.get(a.transactionId), me, nowMs, timeZone));
    return renderConsole(request, reply, 'admin-approvals', { title: 'Approvals', pending: rows(pending), decided: rows(decided), error }, status);
  }

  app.get('/admin/approvals', page, async (request, reply) => showQueue(request, reply, null, 200));

  app.post('/admin/approvals/:approval_id/approve', post, async (request, reply) => {
    const { approval_id } = request.params as { approval_id: string };
    try {
      const reversal = await approveReversal(ctx, actor(request), approval_id, field(request, 'mfa_code'));
      const text = `Approved: the reversal of ${formatMoney(reversal.amountMinor, reversal.currency)} is posted.`;
      return redirectWithFlash(reply, '/admin/approvals', { kind: 'success', text });
    } catch (error) {
      if (!isDomainError(error) || error.code === 'not_found') throw error;
      return showQueue(request, reply, { approvalId: approval_id, text: reversalRefusal(error).text }, errorStatus[error.code]);
    }
  });
}
