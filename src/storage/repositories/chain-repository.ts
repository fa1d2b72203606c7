/**
 * Reads of the hash chain over the ledger (migration 012, docs/ledger.md "The chain"). The sealer's
 * writes live in chain-seal-repository.ts. Every function takes `db | trx` first and is read-only.
 */
import type { Db, Trx } from '../storage.js';

/** A sealed position of the chain: `seq` counts transactions (1, 2, 3...), `hash` is lower-case hex SHA-256. */
export interface ChainHead {
  seq: bigint;
  hash: string;
  /** When this position was sealed, epoch ms (the sealing instance's clock). */
  sealedAtMs: bigint;
}

/** A stored chain row as verify reads it. */
export interface ChainRow {
  position: bigint;
  transactionSeq: bigint;
  transactionId: string;
  encoding: number;
  hash: string;
  sealedAtMs: bigint;
}

const headColumns = ['position', 'hash', 'sealed_at'] as const;
const toHead = (row: { position: bigint; hash: string; sealed_at: bigint }): ChainHead => ({
  seq: BigInt(row.position),
  hash: row.hash,
  sealedAtMs: BigInt(row.sealed_at),
});

/**
 * The latest sealed position, or null before anything was sealed (the API then shows seq 0 and the
 * all-zero genesis hash, contract "Statements and the ledger chain").
 */
export async function latestHead(db: Db | Trx): Promise<ChainHead | null> {
  const row = await db.selectFrom('ledger_chain').select(headColumns).orderBy('position', 'desc').limit(1).executeTakeFirst();
  return row ? toHead(row) : null;
}

/**
 * The last position sealed at or before `atOrBeforeMs` (epoch ms), or null if none was. A statement
 * carries this as the ledger head at its close. Sealing follows a commit by up to
 * CHAIN_SEAL_MAX_DELAY_MS, so a transaction committed just before the close may be sealed just after
 * it: it is then covered by a later head, not this one.
 */
export async function chainHeadAt(db: Db | Trx, { atOrBeforeMs }: { atOrBeforeMs: bigint }): Promise<ChainHead | null> {
  const row = await db
    .selectFrom('ledger_chain')
    .select(headColumns)
    .where('sealed_at', '<=', atOrBeforeMs)
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toHead(row) : null;
}

/** The chain row at `position`, or undefined. */
export async function chainRowAt(db: Db | Trx, position: bigint): Promise<ChainRow | undefined> {
  const rows = await chainRows(db, { fromPosition: position, limit: 1 });
  return rows[0]?.position === position ? rows[0] : undefined;
}

/** Up to `limit` chain rows from `fromPosition` on, in position order (verify reads the chain in pages). */
export async function chainRows(db: Db | Trx, { fromPosition, limit }: { fromPosition: bigint; limit: number }): Promise<ChainRow[]> {
  const rows = await db
    .selectFrom('ledger_chain')
    .select(['position', 'transaction_seq', 'transaction_id', 'encoding', 'hash', 'sealed_at'])
    .where('position', '>=', fromPosition)
    .orderBy('position')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    position: BigInt(r.position),
    transactionSeq: BigInt(r.transaction_seq),
    transactionId: r.transaction_id,
    encoding: Number(r.encoding),
    hash: r.hash,
    sealedAtMs: BigInt(r.sealed_at),
  }));
}
