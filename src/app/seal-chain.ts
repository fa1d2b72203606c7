/**
 * Seals committed ledger transactions into the hash chain (issue 16 item 1, docs/ledger.md "The
 * chain"): each gets the next position and hash = SHA-256(encodeChainLink(txn, position, previous)).
 *
 * Runs after commits, never inside a movement's transaction, so the money path never waits for it.
 * One round is one database transaction holding the sealer's lock (PostgreSQL advisory lock; SQLite's
 * write lock): a sealer killed mid-round leaves nothing behind, and the next one starts from the last
 * committed row. Positions and transactions are unique keys, so even two sealers that somehow ran at
 * once could not seal one transaction twice or give one position two transactions.
 *
 * On SQLite the round reads, encodes and hashes here. On PostgreSQL the whole round runs in the
 * database (migration 021's `minibank_seal_round`, the same encoding written in SQL): Node's share of
 * each link (JSON, BigInt, encoding, hashing) cost 9-13 % of a batched transfer (docs/performance.md
 * "Ledger chain"). `chainHash` stays the reference: `minibank verify` recomputes every link with it.
 */
import crypto from 'node:crypto';
import { CHAIN_ENCODING_VERSION, GENESIS_HASH, withChainLink, type ChainedTransaction } from '../domain/chain-encoding.js';
import {
  chainedTransactions,
  hasUnsealed,
  insertChainRows,
  type NewChainRow,
  openSealRound,
  roundRunsInDatabase,
  sealRoundInDatabase,
} from '../storage/repositories/chain-seal-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { followInRounds } from './follow-rounds.js';

/** Most transactions one SQLite round seals: bounds how long a round holds SQLite's write lock. */
const BATCH = 500;
/**
 * Most transactions one PostgreSQL round seals. Its round takes no lock the money path needs, and a
 * full round costs its successor double: it keeps the old horizon, so the next window holds the whole
 * batch again (at 2,200 transfers/s with rounds of 500, pg_stat_user_tables counted every sealed
 * transaction read and anti-joined twice; docs/performance.md "Round 2, fourth session").
 * A tick's backlog (a pause of half CHAIN_SEAL_MAX_DELAY_MS between ticks) should fit in one round.
 */
const DATABASE_BATCH = 5000;
/** Rows per insert statement (SQLite); a round of several chunks is what the kill test interrupts. */
const CHUNK = 100;
/** Rounds one call runs back to back before yielding to the next tick. */
const MAX_ROUNDS = 20;

export interface SealOutcome {
  /** Transactions sealed by this call. */
  sealed: number;
  /** True when another sealer held the lock, so this one sealed nothing more. */
  busy: boolean;
  /** Time spent on the work itself (the idle check, the rounds inside their transactions), ms (follow-rounds.ts). */
  workMs: number;
}

/** SHA-256 of a chain link, lower-case hex. */
export function chainHash(txn: ChainedTransaction, position: bigint, previousHash: string): string {
  // One-shot hash (Node >= 20.12) of the encoder's own buffer: no Hash object and no copy per link.
  return withChainLink(txn, position, previousHash, (bytes) => crypto.hash('sha256', bytes, 'hex'));
}

/**
 * Seals everything committed and not yet sealed, in rounds of at most BATCH (SQLite) or
 * DATABASE_BATCH (PostgreSQL) transactions. Returns how many it
 * sealed; `busy` when another sealer was at work (it will seal what this one left). Throws what the
 * database throws (a lock timeout on SQLite): the caller's next tick tries again.
 */
export async function sealChain(ctx: Pick<AppContext, 'storage' | 'clock' | 'faults'>): Promise<SealOutcome> {
  const { done, busy, workMs } = await followInRounds(
    ctx.storage,
    () => hasUnsealed(ctx.storage.db, ctx.storage.dialect),
    (trx) => sealRound(ctx, trx),
    MAX_ROUNDS,
  );
  return { sealed: done, busy, workMs };
}

type RoundResult = { done: number; more: boolean } | 'busy';

function sealRound(ctx: Pick<AppContext, 'storage' | 'clock' | 'faults'>, trx: Trx): Promise<RoundResult> {
  return roundRunsInDatabase(ctx.storage.dialect) ? sealRoundInPostgres(ctx, trx) : sealRoundHere(ctx, trx);
}

/** PostgreSQL: the round runs in the database; its rows are written but not committed when it returns. */
async function sealRoundInPostgres(ctx: Pick<AppContext, 'clock' | 'faults'>, trx: Trx): Promise<RoundResult> {
  const round = await sealRoundInDatabase(trx, DATABASE_BATCH, nowMsBig(ctx));
  // Between the round's writes and its commit, as between SQLite's chunks: a sealer killed here must leave nothing behind.
  if (round === 'busy') return round;
  if (round.sealed > 0) await ctx.faults.afterChainChunk?.();
  return { done: round.sealed, more: round.more };
}

/** SQLite: the round reads, encodes and hashes in Node, and appends in chunks. */
async function sealRoundHere(ctx: Pick<AppContext, 'clock' | 'faults'>, trx: Trx): Promise<RoundResult> {
  const round = await openSealRound(trx, BATCH);
  if (round.candidates.length === 0) return { done: 0, more: false };
  const txns = await chainedTransactions(trx, round.candidates);
  const sealedAtMs = nowMsBig(ctx);
  let position = round.previous?.position ?? 0n;
  let previous = round.previous?.hash ?? GENESIS_HASH;
  const rows: NewChainRow[] = [];
  for (const seq of round.candidates) {
    const txn = txns.get(seq);
    // A candidate read a moment ago is committed and immutable; its absence is a bug, not a race.
    if (!txn) throw new Error(`ledger transaction seq ${seq} vanished while sealing`);
    position += 1n;
    previous = chainHash(txn, position, previous);
    rows.push({ position, transactionSeq: seq, transactionId: txn.id, encoding: CHAIN_ENCODING_VERSION, hash: previous, sealedAtMs, horizon: round.horizon });
  }
  for (let at = 0; at < rows.length; at += CHUNK) {
    await insertChainRows(trx, rows.slice(at, at + CHUNK));
    await ctx.faults.afterChainChunk?.();
  }
  return { done: rows.length, more: round.more };
}
