/**
 * Reading holds (issue 14 item 5; contract "Holds (round 2)"): one hold, for its payer or payee
 * (anyone else: not_found, never told apart from a missing one), and a user's holds by role,
 * newest first, keyset paginated like transactions. Statuses are as read now (hold-views.ts).
 */
import { DomainError } from '../domain/errors.js';
import { holdNotFound } from '../domain/hold-rules.js';
import { findHoldWithParties, listHoldsWithParties, type HoldStatus } from '../storage/repositories/hold-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { holdView, isPartyOf, type HoldView } from './hold-views.js';
import { isPlausibleId } from './owned-account.js';

/** Page size bounds (as for transactions: 1..100, default 20). */
export const HOLDS_PAGE_MAX = 100;
export const HOLDS_PAGE_DEFAULT = 20;

/** One hold as its payer or payee sees it. @throws DomainError not_found for anyone else. */
export async function getHold(ctx: AppContext, userId: string, holdId: string): Promise<HoldView> {
  const row = isPlausibleId(holdId) ? await findHoldWithParties(ctx.storage.db, holdId) : undefined;
  if (!row || !isPartyOf(row, userId)) throw holdNotFound();
  return holdView(row, nowMsBig(ctx));
}

export interface HoldListRequest {
  role: 'payer' | 'payee';
  status?: HoldStatus;
  limit?: number;
  /** A hold id from an earlier page: the page starts after it. */
  startingAfter?: string;
}

/**
 * A user's holds as payer or payee, newest first.
 * @throws DomainError invalid_request for a limit outside 1..100 (param limit) or a starting_after
 * that is not one of the user's holds in that role (param starting_after).
 */
export async function listHolds(ctx: AppContext, userId: string, request: HoldListRequest): Promise<{ data: HoldView[]; hasMore: boolean }> {
  const limit = request.limit ?? HOLDS_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > HOLDS_PAGE_MAX) throw new DomainError('invalid_request', 'limit is 1 to 100.', 'limit');
  const nowMs = nowMsBig(ctx);
  let after: { createdAtMs: bigint; id: string } | undefined;
  if (request.startingAfter !== undefined) {
    const cursor = isPlausibleId(request.startingAfter) ? await findHoldWithParties(ctx.storage.db, request.startingAfter) : undefined;
    const mine = cursor && (request.role === 'payer' ? cursor.from_user_id : cursor.to_user_id) === userId;
    if (!cursor || !mine) throw new DomainError('invalid_request', 'starting_after is not one of your holds.', 'starting_after');
    after = { createdAtMs: BigInt(cursor.created_at), id: cursor.id };
  }
  const rows = await listHoldsWithParties(ctx.storage.db, { userId, role: request.role, status: request.status, nowMs, limit: limit + 1, after });
  return { data: rows.slice(0, limit).map((r) => holdView(r, nowMs)), hasMore: rows.length > limit };
}
