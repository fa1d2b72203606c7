/**
 * Ledger reads for the operators' console (issue 15 part B): one transaction with both of its
 * sides as staff see them (the reverse form, the approval queue's "original"), and the
 * self-service deposits report (issue 15 item 5: who created how much money, and when). Read
 * only; functions take `db | trx` first. Amounts are minor units, times epoch ms.
 *
 * A deposit here is a ledger transaction stored as `deposit` that reverses nothing (a withdrawal's
 * reversal is also stored as `deposit`, migration 016, but it gives back money, it creates none);
 * its one user-account entry is the money that came from nowhere. The partial index
 * `ledger_transactions_deposits_created` (migration 016) serves the time range.
 */
import { sql } from 'kysely';
import type { StoredType } from '../../domain/reversal.js';
import { literal } from '../sql-literal.js';
import type { Db, Trx } from '../storage.js';

/** One side of a movement: a customer's account (with its owner) or the bank's cash (username null). */
export interface LedgerSide {
  accountId: string;
  number: string;
  kind: 'user' | 'system';
  userId: string | null;
  username: string | null;
}

/** A ledger transaction with the side its money left (`from`) and the side it reached (`to`). */
export interface StaffLedgerRow {
  id: string;
  storedType: StoredType;
  reversalOf: string | null;
  memo: string | null;
  createdAtMs: bigint;
  amountMinor: bigint;
  currency: string;
  from: LedgerSide;
  to: LedgerSide;
  /** The id of the transaction that reverses this one, if any. */
  reversalId: string | null;
}

const big = (v: unknown): bigint => (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' ? BigInt(v) : 0n);

/** The transactions `ids` that exist, by id, each with both sides and its reversal (three statements). */
export async function staffLedgerRows(db: Db | Trx, ids: readonly string[]): Promise<Map<string, StaffLedgerRow>> {
  const found = new Map<string, StaffLedgerRow>();
  if (ids.length === 0) return found;
  const txns = await db
    .selectFrom('ledger_transactions')
    .select(['seq', 'id', 'type', 'memo', 'created_at', 'reversal_of'])
    .where('id', 'in', [...ids])
    .execute();
  if (txns.length === 0) return found;
  const entries = await db
    .selectFrom('entries as e')
    .innerJoin('accounts as a', 'a.id', 'e.account_id')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .select(['e.transaction_seq', 'e.amount', 'a.id as account_id', 'a.number', 'a.kind', 'a.currency', 'a.user_id', 'u.username'])
    .where(
      'e.transaction_seq',
      'in',
      txns.map((t) => t.seq),
    )
    .execute();
  const reversals = await db
    .selectFrom('ledger_transactions')
    .select(['id', 'reversal_of'])
    .where(
      'reversal_of',
      'in',
      txns.map((t) => t.id),
    )
    .execute();
  const reversalOf = new Map(reversals.map((r) => [r.reversal_of!, r.id]));
  for (const t of txns) {
    const mine = entries.filter((e) => String(e.transaction_seq) === String(t.seq));
    const debit = mine.find((e) => big(e.amount) < 0n);
    const credit = mine.find((e) => big(e.amount) > 0n);
    if (!debit || !credit) continue;
    const side = (e: typeof debit): LedgerSide => ({ accountId: e.account_id, number: e.number, kind: e.kind, userId: e.user_id, username: e.username });
    found.set(t.id, {
      id: t.id,
      storedType: t.type,
      reversalOf: t.reversal_of ?? null,
      memo: t.memo,
      createdAtMs: big(t.created_at),
      amountMinor: big(credit.amount),
      currency: credit.currency,
      from: side(debit),
      to: side(credit),
      reversalId: reversalOf.get(t.id) ?? null,
    });
  }
  return found;
}

/** A date range (epoch ms, `fromMs` included, `toMs` excluded; either open). */
export interface DepositRange {
  fromMs?: number;
  toMs?: number;
}

/** One self-service deposit: who (the account's owner), into which account, how much, when. */
export interface DepositRow {
  id: string;
  createdAtMs: bigint;
  amountMinor: bigint;
  currency: string;
  accountId: string;
  accountNumber: string;
  userId: string | null;
  username: string | null;
  memo: string | null;
  /** True when staff reversed it since (the money went back). */
  reversed: boolean;
}

/** Per currency: how many deposits, their sum, and the part of it reversed since (minor units). */
export interface DepositTotal {
  currency: string;
  count: bigint;
  amountMinor: bigint;
  reversedMinor: bigint;
}

function deposits(db: Db | Trx, range: DepositRange) {
  let query = db
    .selectFrom('ledger_transactions as t')
    .innerJoin('entries as e', 'e.transaction_seq', 't.seq')
    .innerJoin('accounts as a', 'a.id', 'e.account_id')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .leftJoin('ledger_transactions as r', 'r.reversal_of', 't.id')
    // Constants as literals (sql-literal.ts): bound, they meet partial indexes and SQLite re-prepares every run.
    .where('t.type', '=', literal('deposit'))
    .where('t.reversal_of', 'is', null)
    .where('a.kind', '=', literal('user'));
  if (range.fromMs !== undefined) query = query.where('t.created_at', '>=', BigInt(range.fromMs));
  if (range.toMs !== undefined) query = query.where('t.created_at', '<', BigInt(range.toMs));
  return query;
}

/**
 * Deposits in `range`, newest first, at most `limit`, after the deposit `afterId` (keyset on time
 * then commit order). Returns undefined when `afterId` names no deposit.
 */
export async function listDeposits(db: Db | Trx, range: DepositRange, limit: number, afterId?: string): Promise<DepositRow[] | undefined> {
  let query = deposits(db, range);
  if (afterId !== undefined) {
    const cursor = await db
      .selectFrom('ledger_transactions')
      .select(['seq', 'created_at'])
      .where('id', '=', afterId)
      .where('type', '=', literal('deposit'))
      .executeTakeFirst();
    if (!cursor) return undefined;
    const at = big(cursor.created_at);
    const seq = big(cursor.seq);
    query = query.where((eb) => eb.or([eb('t.created_at', '<', at), eb.and([eb('t.created_at', '=', at), eb('t.seq', '<', seq)])]));
  }
  const rows = await query
    .select(['t.id', 't.created_at', 't.memo', 'e.amount', 'a.currency', 'a.id as account_id', 'a.number', 'a.user_id', 'u.username', 'r.id as reversal_id'])
    .orderBy('t.created_at', 'desc')
    .orderBy('t.seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAtMs: big(r.created_at),
    amountMinor: big(r.amount),
    currency: r.currency,
    accountId: r.account_id,
    accountNumber: r.number,
    userId: r.user_id,
    username: r.username,
    memo: r.memo,
    reversed: r.reversal_id !== null,
  }));
}

/** Totals of the deposits in `range`, one row per currency in alphabetical order. */
export async function depositTotals(db: Db | Trx, range: DepositRange): Promise<DepositTotal[]> {
  const rows = await deposits(db, range)
    .select([
      'a.currency',
      sql<string>`count(*)`.as('n'),
      sql<string>`sum(e.amount)`.as('total'),
      sql<string>`sum(case when r.id is not null then e.amount else 0 end)`.as('reversed'),
    ])
    .groupBy('a.currency')
    .orderBy('a.currency')
    .execute();
  return rows.map((r) => ({ currency: r.currency, count: big(r.n), amountMinor: big(r.total), reversedMinor: big(r.reversed) }));
}
