/**
 * The chain sealer's reads and writes (migration 012; app/seal-chain.ts decides, this stores). Each
 * database opens a sealing round its own way (dialects/<name>/chain-sql.ts); both then read the
 * transactions to hash and append chain rows here. Functions take `db | trx` first.
 */
import type { ChainedTransaction } from '../../domain/chain-encoding.js';
import { openPostgresSealRound } from '../dialects/postgres/chain-sql.js';
import { openSqliteSealRound } from '../dialects/sqlite/chain-sql.js';
import type { Db, Dialect, Trx } from '../storage.js';

/** What one sealing round may seal, read under the sealer's lock. */
export interface SealRound {
  /** The chain's last row, or null before anything was sealed. */
  previous: { position: bigint; hash: string } | null;
  /** Ledger transaction seqs to seal, in the order they take their positions. */
  candidates: bigint[];
  /** PostgreSQL: the horizon to record on the new rows; null on SQLite. */
  horizon: bigint | null;
  /** True when the batch was full: another round should follow at once. */
  more: boolean;
}

/** A chain row to append. */
export interface NewChainRow {
  position: bigint;
  transactionSeq: bigint;
  transactionId: string;
  encoding: number;
  hash: string;
  sealedAtMs: bigint;
  horizon: bigint | null;
}

/**
 * Takes the sealer's lock inside `trx` and reads what to seal (at most `limit`): 'busy' when another
 * sealer holds the lock (PostgreSQL's advisory lock; on SQLite the write transaction is the lock).
 */
export async function openSealRound(trx: Trx, dialect: Dialect, limit: number): Promise<SealRound | 'busy'> {
  return dialect === 'postgres' ? openPostgresSealRound(trx, limit) : openSqliteSealRound(trx, limit);
}

/** The stored ledger transactions with these seqs and their entries, as the chain encodes them (missing seqs are absent). */
export async function chainedTransactions(db: Db | Trx, seqs: readonly bigint[]): Promise<Map<bigint, ChainedTransaction>> {
  const found = new Map<bigint, ChainedTransaction>();
  if (seqs.length === 0) return found;
  const txns = await db
    .selectFrom('ledger_transactions')
    .select(['seq', 'id', 'type', 'memo', 'created_at', 'actor_user_id', 'actor_token_id', 'actor_session_id', 'reversal_of'])
    .where('seq', 'in', seqs)
    .execute();
  const entries = await db
    .selectFrom('entries')
    .select(['transaction_seq', 'account_id', 'amount', 'balance_after'])
    .where('transaction_seq', 'in', seqs)
    .execute();
  for (const t of txns) {
    found.set(BigInt(t.seq), {
      id: t.id,
      type: t.type,
      memo: t.memo,
      createdAtMs: BigInt(t.created_at),
      actorUserId: t.actor_user_id,
      actorTokenId: t.actor_token_id ?? null,
      actorSessionId: t.actor_session_id ?? null,
      entries: [],
      // Migration 016: a reversal's link is hashed as an extension, so editing it breaks the chain.
      extensions: t.reversal_of ? { reversal_of: t.reversal_of } : {},
    });
  }
  for (const e of entries) {
    const txn = found.get(BigInt(e.transaction_seq));
    const entry = { accountId: e.account_id, amountMinor: BigInt(e.amount), balanceAfterMinor: BigInt(e.balance_after) };
    if (txn) (txn.entries as (typeof entry)[]).push(entry);
  }
  return found;
}

/** Appends chain rows in one statement; a position or transaction already sealed fails the whole statement (unique keys). */
export async function insertChainRows(trx: Trx, rows: readonly NewChainRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('ledger_chain')
    .values(
      rows.map((r) => ({
        position: r.position,
        transaction_seq: r.transactionSeq,
        transaction_id: r.transactionId,
        encoding: r.encoding,
        hash: r.hash,
        sealed_at: r.sealedAtMs,
        horizon: r.horizon,
      })),
    )
    .execute();
}

/** Ledger transactions not in the chain that were created before `createdBeforeMs` (at most `limit`), oldest seq first. */
export async function unsealedCreatedBefore(db: Db, createdBeforeMs: bigint, limit: number): Promise<{ seq: bigint; id: string; createdAtMs: bigint }[]> {
  const rows = await db
    .selectFrom('ledger_transactions as t')
    .select(['t.seq', 't.id', 't.created_at'])
    .where('t.created_at', '<', createdBeforeMs)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('ledger_chain as c').select('c.position').whereRef('c.transaction_seq', '=', 't.seq'))))
    .orderBy('t.seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: BigInt(r.seq), id: r.id, createdAtMs: BigInt(r.created_at) }));
}

/** How many ledger transactions are not in the chain yet. */
export async function countUnsealed(db: Db): Promise<bigint> {
  const row = await db
    .selectFrom('ledger_transactions as t')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('ledger_chain as c').select('c.position').whereRef('c.transaction_seq', '=', 't.seq'))))
    .executeTakeFirstOrThrow();
  return BigInt(row.n);
}
