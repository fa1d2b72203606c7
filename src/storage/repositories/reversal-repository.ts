/**
 * Reversals and their approvals (migration 016; app/reverse-transaction.ts decides, this stores).
 * Functions take `db | trx` first.
 *
 * Race-freedom: every reversal path (a direct reversal, a request for approval, an approval) first
 * locks the original ledger transaction's row with `lockOriginal`, then reads what exists and
 * decides. On PostgreSQL that is `FOR NO KEY UPDATE`: two reversers of one transaction queue, and
 * the second reads what the first committed (READ COMMITTED reads afresh per statement). It takes
 * no key lock, so nothing that merely references the row (entries, chain rows) waits, and a row
 * lock fires no trigger (the table stays append-only). On SQLite `BEGIN IMMEDIATE` already holds the
 * only write lock. Behind both, the unique indexes on `reversal_of` and on a transaction's pending
 * approval keep "at most once" whatever happens above them.
 */
import type { StoredEntry, StoredTransaction, StoredType } from '../../domain/reversal.js';
import { literal } from '../sql-literal.js';
import type { Db, Dialect, Trx } from '../storage.js';
import type { Account } from './account-repository.js';

/** Reads the transaction `id` with its entries, locking its row (see above); undefined when none. */
export async function lockOriginal(trx: Trx, dialect: Dialect, id: string): Promise<StoredTransaction | undefined> {
  const base = trx.selectFrom('ledger_transactions').select(['seq', 'id', 'type', 'reversal_of']).where('id', '=', id);
  const txn = await (dialect === 'postgres' ? base.forNoKeyUpdate() : base).executeTakeFirst();
  if (!txn) return undefined;
  const entries = await trx
    .selectFrom('entries as e')
    .innerJoin('accounts as a', 'a.id', 'e.account_id')
    .select(['e.account_id', 'e.amount', 'a.currency'])
    .where('e.transaction_seq', '=', txn.seq)
    .orderBy('e.seq')
    .execute();
  return {
    id: txn.id,
    type: txn.type,
    reversalOf: txn.reversal_of ?? null,
    currency: entries[0]?.currency ?? '',
    entries: entries.map((e) => ({ accountId: e.account_id, amountMinor: BigInt(e.amount) })),
  };
}

/** The id of the reversal of `originalId`, if it has one. */
export async function findReversalOf(db: Db | Trx, originalId: string): Promise<string | undefined> {
  const row = await db.selectFrom('ledger_transactions').select('id').where('reversal_of', '=', originalId).executeTakeFirst();
  return row?.id;
}

export interface ApprovalRow {
  id: string;
  transactionId: string;
  amountMinor: bigint;
  currency: string;
  reason: string;
  makerUserId: string;
  makerUsername: string;
  status: 'pending' | 'approved' | 'expired';
  createdAtMs: bigint;
  expiresAtMs: bigint;
  checkerUserId: string | null;
  checkerUsername: string | null;
  decidedAtMs: bigint | null;
  reversalId: string | null;
}

function approvals(db: Db | Trx) {
  return db
    .selectFrom('reversal_approvals as r')
    .innerJoin('users as m', 'm.id', 'r.maker_user_id')
    .leftJoin('users as c', 'c.id', 'r.checker_user_id')
    .select([
      'r.id',
      'r.transaction_id',
      'r.amount',
      'r.currency',
      'r.reason',
      'r.maker_user_id',
      'm.username as maker_username',
      'r.status',
      'r.created_at',
      'r.expires_at',
      'r.checker_user_id',
      'c.username as checker_username',
      'r.decided_at',
      'r.reversal_id',
    ]);
}

type RawApproval = Awaited<ReturnType<ReturnType<typeof approvals>['executeTakeFirstOrThrow']>>;

const toApproval = (r: RawApproval): ApprovalRow => ({
  id: r.id,
  transactionId: r.transaction_id,
  amountMinor: BigInt(r.amount),
  currency: r.currency,
  reason: r.reason,
  makerUserId: r.maker_user_id,
  makerUsername: r.maker_username,
  status: r.status,
  createdAtMs: BigInt(r.created_at),
  expiresAtMs: BigInt(r.expires_at),
  checkerUserId: r.checker_user_id,
  checkerUsername: r.checker_username,
  decidedAtMs: r.decided_at === null ? null : BigInt(r.decided_at),
  reversalId: r.reversal_id,
});

/** The approval `id`, or undefined. */
export async function findApproval(db: Db | Trx, id: string): Promise<ApprovalRow | undefined> {
  const row = await approvals(db).where('r.id', '=', id).executeTakeFirst();
  return row ? toApproval(row) : undefined;
}

/** The approval of `transactionId` stored as pending (it may be past its expiry), or undefined. */
export async function findPendingApprovalOf(db: Db | Trx, transactionId: string): Promise<ApprovalRow | undefined> {
  const row = await approvals(db).where('r.transaction_id', '=', transactionId).where('r.status', '=', literal('pending')).executeTakeFirst();
  return row ? toApproval(row) : undefined;
}

/** Newest first, at most `limit`; `status` filters on the stored status (a pending one may read expired). */
export async function listApprovals(db: Db | Trx, options: { status?: 'pending' | 'approved' | 'expired'; limit: number }): Promise<ApprovalRow[]> {
  let query = approvals(db);
  if (options.status) query = query.where('r.status', '=', options.status);
  const rows = await query.orderBy('r.created_at', 'desc').orderBy('r.id').limit(options.limit).execute();
  return rows.map(toApproval);
}

export interface NewApproval {
  id: string;
  transactionId: string;
  amountMinor: bigint;
  currency: string;
  reason: string;
  makerUserId: string;
  createdAtMs: bigint;
  expiresAtMs: bigint;
}

/** Stores a pending approval (the partial unique index refuses a second pending one for the transaction). */
export async function insertApproval(trx: Trx, a: NewApproval): Promise<void> {
  await trx
    .insertInto('reversal_approvals')
    .values({
      id: a.id,
      transaction_id: a.transactionId,
      amount: a.amountMinor,
      currency: a.currency,
      reason: a.reason,
      maker_user_id: a.makerUserId,
      status: 'pending',
      created_at: a.createdAtMs,
      expires_at: a.expiresAtMs,
    })
    .execute();
}

/** Marks `id` expired when it is still stored pending and past its expiry at `nowMs`; true when it did. */
export async function expireApproval(trx: Trx, id: string, nowMs: bigint): Promise<boolean> {
  const result = await trx
    .updateTable('reversal_approvals')
    .set({ status: 'expired', decided_at: nowMs })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Marks `id` approved by `checkerUserId` with its reversal, only while pending and unexpired; true when it did. */
export async function markApproved(trx: Trx, id: string, checkerUserId: string, reversalId: string, nowMs: bigint): Promise<boolean> {
  const result = await trx
    .updateTable('reversal_approvals')
    .set({ status: 'approved', checker_user_id: checkerUserId, reversal_id: reversalId, decided_at: nowMs })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Every stored reversal and, by id, every original it names (for `minibank verify`). */
export async function reversalsWithOriginals(db: Db): Promise<{ reversals: StoredTransaction[]; originals: Map<string, StoredTransaction> }> {
  const reversalRows = await db.selectFrom('ledger_transactions').select(['seq', 'id', 'type', 'reversal_of']).where('reversal_of', 'is not', null).execute();
  const originalIds = [...new Set(reversalRows.map((r) => r.reversal_of!))];
  const originalRows =
    originalIds.length === 0
      ? []
      : await db.selectFrom('ledger_transactions').select(['seq', 'id', 'type', 'reversal_of']).where('id', 'in', originalIds).execute();
  const all = [...reversalRows, ...originalRows];
  const entries = new Map<string, StoredEntry[]>();
  if (all.length > 0) {
    const rows = await db
      .selectFrom('entries')
      .select(['transaction_seq', 'account_id', 'amount'])
      .where(
        'transaction_seq',
        'in',
        all.map((t) => t.seq),
      )
      .execute();
    for (const e of rows) {
      const key = String(e.transaction_seq);
      entries.set(key, [...(entries.get(key) ?? []), { accountId: e.account_id, amountMinor: BigInt(e.amount) }]);
    }
  }
  const stored = (t: { seq: bigint; id: string; type: StoredType; reversal_of?: string | null }): StoredTransaction => ({
    id: t.id,
    type: t.type,
    reversalOf: t.reversal_of ?? null,
    currency: '',
    entries: entries.get(String(t.seq)) ?? [],
  });
  return { reversals: reversalRows.map(stored), originals: new Map(originalRows.map((t) => [t.id, stored(t)])) };
}

/** The accounts `ids` as stored, each with its owner's username (null: the bank's cash account). */
export async function accountsWithOwners(db: Db | Trx, ids: readonly string[]): Promise<Map<string, Account & { owner_username: string | null }>> {
  const rows = await db
    .selectFrom('accounts as a')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .selectAll('a')
    .select('u.username as owner_username')
    .where('a.id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}
