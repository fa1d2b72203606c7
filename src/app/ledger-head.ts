/**
 * The published head of the hash chain (contract "Statements and the ledger chain", GET
 * /api/v1/ledger/head): the latest sealed position and its hash. Before anything is sealed it is
 * position 0 with the all-zero genesis hash (the previous hash of position 1) and no seal time.
 */
import { GENESIS_HASH } from '../domain/chain-encoding.js';
import { latestHead } from '../storage/repositories/chain-repository.js';
import type { AppContext } from './context.js';

export interface PublishedHead {
  /** Sealed transactions so far: the head's position, 0 before any. */
  seq: bigint;
  /** Lower-case hex SHA-256. */
  hash: string;
  /** Epoch ms of the head's sealing; null before anything was sealed. */
  sealedAtMs: bigint | null;
}

/** The chain's head as published; one indexed read. */
export async function publishedHead(ctx: Pick<AppContext, 'storage'>): Promise<PublishedHead> {
  const head = await latestHead(ctx.storage.db);
  return head ? { seq: head.seq, hash: head.hash, sealedAtMs: head.sealedAtMs } : { seq: 0n, hash: GENESIS_HASH, sealedAtMs: null };
}
