/**
 * The chain sealer's reads and writes (migration 012; app/seal-chain.ts decides, this stores). On
 * SQLite a round is opened (dialects/sqlite/chain-sql.ts), its transactions read and hashed in Node
 * and its chain rows appended here; on PostgreSQL the whole round runs in the database (migration
 * 021, dialects/postgres/chain-sql.ts). Both databases' transactions are read here for `minibank
 * verify`. Functions take `db | trx` first.
 */
import type { ChainedTransaction } from '../../domain/chain-encoding.js';
import { preparedQuery } from '../prepared-query.js';
import { PostgresAdapter } from 'kysely';
import { postgresChainedTransactions, postgresHasUnsealed, sealPostgresRound, type DatabaseSealRound } from '../dialects/postgres/chain-sql.js';
import { openSqliteSealRound, sqliteHasUnsealed } from '../dialects/sqlite/chain-sql.js';
import type { Db, Dialect, Trx } from '../storage.js';

/** What one sealing round may seal, read under the sealer's lock. */
export interface SealRound {
  /** The chain's last row, or null before anything was sealed. */
  previous: { position: bigint; hash: string } | null;
  /** Ledger transaction seqs to seal, in the order they take their positions. */
  candidates: bigint[];
  /** Always null on SQLite (PostgreSQL's horizon is kept by its round in the database). */
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
 * SQLite: reads what the round in `trx` may seal (at most `limit`); the write transaction is the
 * sealer's lock. PostgreSQL seals in the database instead (`sealRoundInDatabase`): its candidates
 * follow other rules (commit_xid and a horizon, not seq): throws when `trx` is PostgreSQL's.
 */
export async function openSealRound(trx: Trx, limit: number): Promise<SealRound> {
  // seq is not commit order on PostgreSQL: a round by seq there could skip a late commit for good.
  if (isPostgres(trx)) throw new Error('PostgreSQL seals in the database (sealRoundInDatabase), not by seq');
  return openSqliteSealRound(trx, limit);
}

/** Whether this database seals a round itself (PostgreSQL, migration 021) rather than in Node (SQLite). */
export const roundRunsInDatabase = (dialect: Dialect): boolean => dialect === 'postgres';

/**
 * PostgreSQL: one whole sealing round inside `trx` (migration 021's `minibank_seal_round`): at most
 * `limit` transactions sealed, their rows stamped `sealedAtMs` (epoch ms) and left for the caller to
 * commit. 'busy' when another sealer holds the advisory lock; `more` when the batch was full.
 * Throws what PostgreSQL throws.
 */
export async function sealRoundInDatabase(trx: Trx, limit: number, sealedAtMs: bigint): Promise<DatabaseSealRound> {
  return sealPostgresRound(trx, limit, sealedAtMs);
}

/**
 * True when a sealing round would find something to seal (read without a transaction or lock, so
 * an idle tick costs one small read). A commit landing just after it is sealed by the next tick.
 */
export async function hasUnsealed(db: Db, dialect: Dialect): Promise<boolean> {
  return dialect === 'postgres' ? postgresHasUnsealed(db) : sqliteHasUnsealed(db);
}

/** PostgreSQL reads transactions as one JSON value (dialects/postgres/chain-sql.ts); SQLite row by row. */
const isPostgres = (db: Db | Trx): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

type SeqRange = { lo: bigint; hi: bigint };

// Prepared once each (prepared-query.ts): a seal round runs every tick, and building these with
// Kysely each time, with an `in` list (a new SQL text, so a new prepare) per batch size, cost more
// than the round's own work (docs/performance.md "Ledger chain").
const transactionsInRange = preparedQuery<SeqRange, TxnRow>((db, p) =>
  db
    .selectFrom('ledger_transactions')
    .select(['seq', 'id', 'type', 'memo', 'created_at', 'actor_user_id', 'actor_token_id', 'actor_session_id', 'reversal_of'])
    .where('seq', '>=', p('lo'))
    .where('seq', '<=', p('hi')),
);
const entriesInRange = preparedQuery<SeqRange, EntryRow>((db, p) =>
  db
    .selectFrom('entries')
    .select(['transaction_seq', 'account_id', 'amount', 'balance_after'])
    .where('transaction_seq', '>=', p('lo'))
    .where('transaction_seq', '<=', p('hi')),
);

type TxnRow = {
  seq: bigint;
  id: string;
  type: string;
  memo: string | null;
  created_at: bigint;
  actor_user_id: string | null;
  actor_token_id?: string | null;
  actor_session_id?: string | null;
  reversal_of?: string | null;
};
type EntryRow = { transaction_seq: bigint; account_id: string; amount: bigint; balance_after: bigint };

/**
 * The stored ledger transactions with these seqs and their entries, as the chain encodes them
 * (missing seqs are absent). Seqs close together (a seal round; a page of the chain) are read as
 * one range by two prepared statements and filtered; scattered ones by their list.
 */
export async function chainedTransactions(db: Db | Trx, seqs: readonly bigint[]): Promise<Map<bigint, ChainedTransaction>> {
  const found = new Map<bigint, ChainedTransaction>();
  if (seqs.length === 0) return found;
  if (isPostgres(db)) return postgresChainedTransactions(db, seqs);
  const wanted = new Set(seqs);
  let [lo, hi] = [seqs[0]!, seqs[0]!];
  for (const s of seqs) [lo, hi] = [s < lo ? s : lo, s > hi ? s : hi];
  // A range at most twice as wide as the list (plus a little) reads few rows that are not wanted.
  const asRange = hi - lo < BigInt(seqs.length) * 2n + 16n;
  const [txns, entries] = asRange ? [await transactionsInRange.rows(db, { lo, hi }), await entriesInRange.rows(db, { lo, hi })] : await listed(db, seqs);
  for (const t of txns) {
    const seq = BigInt(t.seq);
    if (!wanted.has(seq)) continue;
    found.set(seq, {
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

async function listed(db: Db | Trx, seqs: readonly bigint[]): Promise<[TxnRow[], EntryRow[]]> {
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
  return [txns, entries];
}

/** Chain rows per insert statement: a batch is written in these sizes, largest first, so only a few SQL texts exist (each prepared once). */
const INSERT_SIZES = [64, 16, 4, 1] as const;

const chainInserts = new Map(
  INSERT_SIZES.map((size) => [
    size,
    preparedQuery<Record<string, unknown>>((db, p) =>
      db.insertInto('ledger_chain').values(
        Array.from({ length: size }, (_, i) => ({
          position: p(`position${i}`) as bigint,
          transaction_seq: p(`seq${i}`) as bigint,
          transaction_id: p(`id${i}`) as string,
          encoding: p(`encoding${i}`) as number,
          hash: p(`hash${i}`) as string,
          sealed_at: p(`sealedAt${i}`) as bigint,
          horizon: p(`horizon${i}`) as bigint | null,
        })),
      ),
    ),
  ]),
);

/** The value names of row i of a multi-row insert, built once (a seal round fills hundreds of rows). */
const ROW_KEYS = Array.from({ length: INSERT_SIZES[0] }, (_, i) => ({
  position: `position${i}`,
  seq: `seq${i}`,
  id: `id${i}`,
  encoding: `encoding${i}`,
  hash: `hash${i}`,
  sealedAt: `sealedAt${i}`,
  horizon: `horizon${i}`,
}));

/** Appends chain rows (SQLite's round); a position or transaction already sealed fails the statement (unique keys). */
export async function insertChainRows(trx: Trx, rows: readonly NewChainRow[]): Promise<void> {
  if (rows.length === 0) return;
  let at = 0;
  for (const size of INSERT_SIZES) {
    for (; rows.length - at >= size; at += size) {
      const values: Record<string, unknown> = {};
      for (let i = 0; i < size; i++) {
        const r = rows[at + i]!;
        const k = ROW_KEYS[i]!;
        values[k.position] = r.position;
        values[k.seq] = r.transactionSeq;
        values[k.id] = r.transactionId;
        values[k.encoding] = r.encoding;
        values[k.hash] = r.hash;
        values[k.sealedAt] = r.sealedAtMs;
        // A null value would read as missing (prepared-query.ts refuses undefined only).
        values[k.horizon] = r.horizon;
      }
      await chainInserts.get(size)!.changed(trx, values);
    }
  }
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
