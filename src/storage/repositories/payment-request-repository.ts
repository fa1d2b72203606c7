/**
 * Payment requests (migration 011). Each change of status is one conditional update on
 * `status = 'pending' and expires_at > now`, so a request leaves `pending` exactly once however many
 * pay, decline or cancel it at the same moment; the row count says who won.
 */
import type { PaymentRequestRow } from '../schema.js';
import { literal, literalOf } from '../sql-literal.js';
import type { Db, Dialect, Trx } from '../storage.js';

/** A request with the names a reader sees: the requester's username and account number, the payer's username. */
/** Written into the SQL as a literal (sql-literal.ts): a bound status against the pending index re-prepares on SQLite. */
const PENDING = literal('pending');
/** The stored statuses a request leaves `pending` for (migration 011's CHECK), the list a status filter is chosen from. */
const RESOLVED_STATUSES: readonly ('paid' | 'declined' | 'cancelled')[] = ['paid', 'declined', 'cancelled'];

export type PaymentRequestRecord = PaymentRequestRow & { requester_username: string; payer_username: string; to_account_number: string };

export type NewPaymentRequest = Omit<PaymentRequestRow, 'seq' | 'status' | 'resolved_at' | 'transaction_id'>;

/** Which side of a request a user is on: incoming (asked to pay) or outgoing (asking). */
export type RequestRole = 'incoming' | 'outgoing';
const partyColumn = (role: RequestRole) => (role === 'incoming' ? 'r.payer_user_id' : 'r.requester_user_id') as 'r.payer_user_id';

const withNames = (db: Db | Trx) =>
  db
    .selectFrom('payment_requests as r')
    .innerJoin('users as q', 'q.id', 'r.requester_user_id')
    .innerJoin('users as p', 'p.id', 'r.payer_user_id')
    .innerJoin('accounts as a', 'a.id', 'r.to_account_id')
    .selectAll('r')
    .select(['q.username as requester_username', 'p.username as payer_username', 'a.number as to_account_number']);

export async function insertPaymentRequest(trx: Trx, row: NewPaymentRequest): Promise<void> {
  await trx.insertInto('payment_requests').values(row).execute();
}

export async function findPaymentRequest(db: Db | Trx, id: string): Promise<PaymentRequestRecord | undefined> {
  return withNames(db).where('r.id', '=', id).executeTakeFirst();
}

/**
 * Serialises the creates of one requester until the transaction ends, so counting their pending
 * requests and inserting one cannot interleave with another create (MAX_PENDING_REQUESTS is never
 * exceeded). PostgreSQL: the requester's user row, locked FOR UPDATE. SQLite: nothing to do, its
 * write transaction (BEGIN IMMEDIATE) already holds the only write lock.
 */
export async function lockRequester(trx: Trx, dialect: Dialect, userId: string): Promise<void> {
  // NO KEY UPDATE: queues the user's own changes one behind another, but not the foreign-key checks
  // (KEY SHARE) of a payment's rows naming this user, which otherwise deadlock with it (PostgreSQL).
  if (dialect === 'postgres') await trx.selectFrom('users').select('id').where('id', '=', userId).forNoKeyUpdate().execute();
}

/** How many of the user's outgoing requests are pending (not yet past `expires_at`) at `nowMs`. */
export async function countPendingOutgoing(trx: Db | Trx, userId: string, nowMs: bigint): Promise<number> {
  const row = await trx
    .selectFrom('payment_requests')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('requester_user_id', '=', userId)
    .where('status', '=', PENDING)
    .where('expires_at', '>', nowMs)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Takes the request for a change if it is still pending at `nowMs` and `userId` is on its `role`
 * side: a no-op update that, on PostgreSQL, holds its row lock until the transaction ends (a
 * concurrent claim waits, then sees the new status and fails). True when this caller holds it.
 */
export async function claimPendingRequest(trx: Trx, request: { id: string; userId: string; role: RequestRole; nowMs: bigint }): Promise<boolean> {
  const column = request.role === 'incoming' ? 'payer_user_id' : 'requester_user_id';
  const result = await trx
    .updateTable('payment_requests')
    .set((eb) => ({ status: eb.ref('status') }))
    .where('id', '=', request.id)
    .where(column, '=', request.userId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', request.nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Moves a pending request to its final status at `nowMs` (with the paying transaction when paid).
 * True when it changed: false means it was no longer pending or had expired.
 */
export async function resolvePaymentRequest(
  trx: Trx,
  change: { id: string; status: 'paid' | 'declined' | 'cancelled'; nowMs: bigint; transactionId: string | null },
): Promise<boolean> {
  const result = await trx
    .updateTable('payment_requests')
    .set({ status: change.status, resolved_at: change.nowMs, transaction_id: change.transactionId })
    .where('id', '=', change.id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', change.nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export interface RequestFilter {
  userId: string;
  role: RequestRole;
  /** Only requests reading this status at `nowMs`. */
  status?: 'pending' | 'paid' | 'declined' | 'cancelled' | 'expired';
  nowMs: bigint;
  /** Only requests older than this one (keyset pagination, newest first). */
  beforeSeq?: bigint;
  limit: number;
}

/** One page of a user's incoming or outgoing requests, newest first. */
export async function listPaymentRequests(db: Db | Trx, filter: RequestFilter): Promise<PaymentRequestRecord[]> {
  let query = withNames(db).where(partyColumn(filter.role), '=', filter.userId);
  if (filter.beforeSeq !== undefined) query = query.where('r.seq', '<', filter.beforeSeq);
  if (filter.status === 'expired') query = query.where('r.status', '=', PENDING).where('r.expires_at', '<=', filter.nowMs);
  else if (filter.status === 'pending') query = query.where('r.status', '=', PENDING).where('r.expires_at', '>', filter.nowMs);
  else if (filter.status !== undefined) query = query.where('r.status', '=', literalOf(RESOLVED_STATUSES, filter.status));
  return query.orderBy('r.seq', 'desc').limit(filter.limit).execute();
}

/** The internal order of a request on the user's `role` side, or undefined when it is not theirs. */
export async function findRequestSeq(db: Db | Trx, id: string, userId: string, role: RequestRole): Promise<bigint | undefined> {
  const column = role === 'incoming' ? 'payer_user_id' : 'requester_user_id';
  const row = await db.selectFrom('payment_requests').select('seq').where('id', '=', id).where(column, '=', userId).executeTakeFirst();
  return row === undefined ? undefined : BigInt(row.seq);
}

/** How many requests the user is asked to pay that are pending at `nowMs` (the navigation's badge). */
export async function countPendingIncoming(db: Db | Trx, userId: string, nowMs: bigint): Promise<number> {
  const row = await db
    .selectFrom('payment_requests')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('payer_user_id', '=', userId)
    .where('status', '=', PENDING)
    .where('expires_at', '>', nowMs)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** True when some request into the account is pending at `nowMs` (closing it is refused then). */
export async function hasPendingRequestsInto(db: Db | Trx, accountId: string, nowMs: bigint): Promise<boolean> {
  const row = await db
    .selectFrom('payment_requests')
    .select('id')
    .where('to_account_id', '=', accountId)
    .where('status', '=', PENDING)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return row !== undefined;
}
