/**
 * Holds (issue 14 item 2, migration 010): the hold rows and the payer's `held` column. Every change
 * of state is a conditional update whose row count says whether it happened, so a hold resolves
 * exactly once however capture, void and the sweepers race, on both databases: the second writer
 * waits for the first's row lock and then finds the row no longer `pending` (PostgreSQL re-checks
 * the WHERE on the newest version under READ COMMITTED; SQLite has one writer at a time).
 */
import { sql } from 'kysely';
import type { HoldsTable } from '../schema.js';
import { literal, literalOf } from '../sql-literal.js';
import type { Db, Dialect, Trx } from '../storage.js';
import type { Insertable, Selectable } from 'kysely';

export type HoldRow = Selectable<HoldsTable>;
export type NewHoldRow = Insertable<HoldsTable>;
export type HoldStatus = HoldRow['status'];

/** Every status a hold can have (migration 010's CHECK), the list a status filter is chosen from. */
const HOLD_STATUSES: readonly HoldStatus[] = ['pending', 'captured', 'voided', 'expired'];
const PENDING = literal('pending');

/** A hold with both sides' account numbers and owners, as the use cases show it. */
export type HoldWithParties = HoldRow & {
  from_number: string;
  from_user_id: string | null;
  from_username: string | null;
  to_number: string;
  to_user_id: string | null;
  to_username: string | null;
};

/**
 * PostgreSQL: locks a hold's two accounts before it is judged, in id order (the order movements
 * take theirs, movement-sql.ts, so a hold and a transfer between the same accounts queue instead of
 * deadlocking): the payer FOR NO KEY UPDATE (the lock its `held` increment takes anyway) and the
 * payee FOR SHARE. The payee's lock is what makes placing a hold and closing that account exclude
 * each other (issue 14): a close locks the row FOR UPDATE, so it waits for this transaction and
 * then sees the pending hold (CLOSE_REQUIRES); a hold that queued behind a close re-reads the row
 * after this lock, in a new statement, and finds it closed. Holds into one payee share the lock and
 * do not queue behind each other. SQLite: nothing to do, the write transaction (`BEGIN IMMEDIATE`)
 * already holds the only write lock.
 */
export async function lockHoldParties(trx: Trx, dialect: Dialect, payerId: string, payeeId: string): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const id of [payerId, payeeId].sort()) {
    const row = trx.selectFrom('accounts').select('id').where('id', '=', id);
    await (id === payerId ? row.forNoKeyUpdate() : row.forShare()).execute();
  }
}

export async function insertHold(trx: Trx, row: NewHoldRow): Promise<void> {
  await trx.insertInto('holds').values(row).execute();
}

/**
 * Reserves `amountMinor` on an active user account whose available balance (balance - held) covers
 * it: one conditional increment, decided on the newest row (PostgreSQL waits for a concurrent
 * writer's lock and re-checks the WHERE; SQLite holds the write lock). True when it reserved.
 */
export async function reserveHeld(trx: Trx, accountId: string, amountMinor: bigint): Promise<boolean> {
  const result = await trx
    .updateTable('accounts')
    .set((eb) => ({ held: eb('held', '+', amountMinor) }))
    .where('id', '=', accountId)
    .where('kind', '=', 'user')
    .where('status', '=', 'active')
    .where('closed_at', 'is', null)
    .where(sql<boolean>`balance - held >= ${amountMinor}`)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Gives back `amountMinor` of an account's reserve (a hold resolved). Called only after the hold's
 * own conditional update succeeded, so it runs once per hold.
 * @throws Error when the account holds less than that in reserve (the books are wrong: a bug).
 */
export async function releaseHeld(trx: Trx, accountId: string, amountMinor: bigint): Promise<void> {
  const result = await trx
    .updateTable('accounts')
    .set((eb) => ({ held: eb('held', '-', amountMinor) }))
    .where('id', '=', accountId)
    .where('held', '>=', amountMinor)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) throw new Error(`hold release: account ${accountId} does not hold ${amountMinor} in reserve`);
}

/**
 * Moves a pending hold to `status` (captured or voided) while it is still pending and not yet
 * expired at `nowMs`; returns the row as it was (amount, accounts), or undefined when it was not
 * pending any more (someone else resolved it, or it expired).
 */
export async function resolvePendingHold(
  trx: Trx,
  id: string,
  change: { status: 'captured' | 'voided'; nowMs: bigint; capturedMinor: bigint; transactionId: string | null },
): Promise<HoldRow | undefined> {
  return trx
    .updateTable('holds')
    .set({ status: change.status, resolved_at: change.nowMs, captured_amount: change.capturedMinor, transaction_id: change.transactionId })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', change.nowMs)
    .returningAll()
    .executeTakeFirst();
}

/** Marks one pending hold expired when its time has come; returns it, or undefined when it was not (any more) pending and due. */
export async function expirePendingHold(trx: Trx, id: string, nowMs: bigint): Promise<HoldRow | undefined> {
  return trx
    .updateTable('holds')
    .set((eb) => ({ status: 'expired' as const, resolved_at: eb.ref('expires_at') }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', nowMs)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Up to `limit` pending holds due at `nowMs`, oldest first: the sweeper's work. On PostgreSQL the
 * rows are locked with SKIP LOCKED, so several instances sweeping at once take different holds
 * instead of queuing behind each other (the conditional update decides in any case).
 */
export async function duePendingHolds(trx: Trx, dialect: Dialect, nowMs: bigint, limit: number): Promise<string[]> {
  let query = trx.selectFrom('holds').select('id').where('status', '=', PENDING).where('expires_at', '<=', nowMs).orderBy('expires_at').limit(limit);
  // SQLite has one writer at a time and no row locks to skip.
  if (dialect === 'postgres') query = query.forUpdate().skipLocked();
  return (await query.execute()).map((r) => r.id);
}

/** Pending holds one account pays that are due at `nowMs` (settled before it reserves again). */
export async function duePendingHoldsOf(trx: Trx, accountId: string, nowMs: bigint): Promise<string[]> {
  const rows = await trx
    .selectFrom('holds')
    .select('id')
    .where('from_account_id', '=', accountId)
    .where('status', '=', PENDING)
    .where('expires_at', '<=', nowMs)
    .execute();
  return rows.map((r) => r.id);
}

const withParties = (db: Db | Trx) =>
  db
    .selectFrom('holds as h')
    .innerJoin('accounts as fa', 'fa.id', 'h.from_account_id')
    .innerJoin('accounts as ta', 'ta.id', 'h.to_account_id')
    .leftJoin('users as fu', 'fu.id', 'fa.user_id')
    .leftJoin('users as tu', 'tu.id', 'ta.user_id')
    .selectAll('h')
    .select([
      'fa.number as from_number',
      'fa.user_id as from_user_id',
      'fu.username as from_username',
      'ta.number as to_number',
      'ta.user_id as to_user_id',
      'tu.username as to_username',
    ]);

/** One hold with its parties, or undefined. */
export async function findHoldWithParties(db: Db | Trx, id: string): Promise<HoldWithParties | undefined> {
  return withParties(db).where('h.id', '=', id).executeTakeFirst();
}

export interface HoldListQuery {
  userId: string;
  role: 'payer' | 'payee';
  /** Filter by the status as read at `nowMs` (a pending hold past its expiry reads `expired`). */
  status?: HoldStatus;
  nowMs: bigint;
  limit: number;
  /** Keyset: holds strictly older (created_at, id) than this one. */
  after?: { createdAtMs: bigint; id: string };
}

/** A user's holds as payer or payee, newest first, at most `limit` (keyset paginated). */
export async function listHoldsWithParties(db: Db | Trx, q: HoldListQuery): Promise<HoldWithParties[]> {
  let query = withParties(db).where(q.role === 'payer' ? 'fa.user_id' : 'ta.user_id', '=', q.userId);
  // Statuses are literals (sql-literal.ts): a bound status against the pending index re-prepares on SQLite.
  if (q.status === 'pending') query = query.where('h.status', '=', PENDING).where('h.expires_at', '>', q.nowMs);
  else if (q.status === 'expired')
    query = query.where((eb) => eb.or([eb('h.status', '=', literal('expired')), eb.and([eb('h.status', '=', PENDING), eb('h.expires_at', '<=', q.nowMs)])]));
  else if (q.status) query = query.where('h.status', '=', literalOf(HOLD_STATUSES, q.status));
  if (q.after) {
    const { createdAtMs, id } = q.after;
    query = query.where((eb) => eb.or([eb('h.created_at', '<', createdAtMs), eb.and([eb('h.created_at', '=', createdAtMs), eb('h.id', '<', id)])]));
  }
  return query.orderBy('h.created_at', 'desc').orderBy('h.id', 'desc').limit(q.limit).execute();
}

/** Accounts whose `held` is not the sum of their pending holds, or whose available balance is negative (verify). */
export async function heldMismatches(db: Db): Promise<{ number: string; held: unknown; pending: unknown; balance: unknown; kind: string }[]> {
  return db
    .selectFrom('accounts as a')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('holds')
          .select(['from_account_id', sql<string>`sum(amount)`.as('pending')])
          .where('status', '=', PENDING)
          .groupBy('from_account_id')
          .as('p'),
      (join) => join.onRef('p.from_account_id', '=', 'a.id'),
    )
    .select(['a.number as number', 'a.held as held', 'p.pending as pending', 'a.balance as balance', 'a.kind as kind'])
    .where(sql<boolean>`a.held <> coalesce(p.pending, 0) or (a.kind = 'user' and a.balance - a.held < 0)`)
    .execute();
}
