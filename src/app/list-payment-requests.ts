/**
 * Reading payment requests: one by id (either party; anyone else gets not_found) and a user's
 * incoming (asked to pay) or outgoing (asking) list, newest first, as status reads now.
 */
import { DomainError } from '../domain/errors.js';
import { REQUEST_STATUSES, requestNotFound, type RequestStatus } from '../domain/payment-request.js';
import { findPaymentRequest, findRequestSeq, listPaymentRequests as listRows, type RequestRole } from '../storage/repositories/payment-request-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX } from './list-transactions.js';
import { isPlausibleId } from './owned-account.js';
import { paymentRequestView, type PaymentRequestView } from './payment-request-view.js';

export interface RequestQuery {
  role: RequestRole;
  status?: string;
  /** 1..100, default 20. */
  limit?: number;
  /** A request id on the same side: the page starts after it (older requests). */
  startingAfter?: string;
}

/** The request, if `userId` is its requester or its payer. @throws DomainError not_found otherwise. */
export async function getPaymentRequest(ctx: AppContext, userId: string, id: string): Promise<PaymentRequestView> {
  const row = isPlausibleId(id) ? await findPaymentRequest(ctx.storage.db, id) : undefined;
  if (!row || (row.requester_user_id !== userId && row.payer_user_id !== userId)) throw requestNotFound();
  return paymentRequestView(row, nowMsBig(ctx));
}

/**
 * One page of the user's requests on `role`'s side.
 * @throws DomainError invalid_request (param limit, status or starting_after).
 */
export async function listPaymentRequests(ctx: AppContext, userId: string, query: RequestQuery): Promise<{ data: PaymentRequestView[]; hasMore: boolean }> {
  const db = ctx.storage.db;
  const limit = query.limit ?? PAGE_SIZE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_SIZE_MAX)
    throw new DomainError('invalid_request', `limit must be between 1 and ${PAGE_SIZE_MAX}.`, 'limit');
  if (query.status !== undefined && !(REQUEST_STATUSES as readonly string[]).includes(query.status)) {
    throw new DomainError('invalid_request', `status must be one of ${REQUEST_STATUSES.join(', ')}.`, 'status');
  }
  let beforeSeq: bigint | undefined;
  if (query.startingAfter !== undefined) {
    beforeSeq = isPlausibleId(query.startingAfter) ? await findRequestSeq(db, query.startingAfter, userId, query.role) : undefined;
    if (beforeSeq === undefined) throw new DomainError('invalid_request', 'starting_after is not one of these payment requests.', 'starting_after');
  }
  const nowMs = nowMsBig(ctx);
  const rows = await listRows(db, { userId, role: query.role, status: query.status as RequestStatus | undefined, nowMs, beforeSeq, limit: limit + 1 });
  return { data: rows.slice(0, limit).map((row) => paymentRequestView(row, nowMs)), hasMore: rows.length > limit };
}
