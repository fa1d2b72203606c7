/**
 * Recomputes the hash chain from the stored rows (issue 16 item 2, docs/ledger.md "Checking the
 * chain"): every sealed position's transaction, read afresh with its entries, must hash to the
 * stored hash from the stored previous one. Each link is checked on its own, so an edit is named at
 * the transaction it touched, and the first problem listed is the first transaction that does not match.
 *
 * What it finds: a changed transaction or entry (even with balances "fixed" to match), an entry
 * added to or removed from a sealed transaction, a deleted transaction, two transactions swapped,
 * a gap in the positions, and a transaction inserted among sealed ones (unsealed, yet written long
 * before the chain's head was sealed). What it cannot find alone: a chain rewritten from some
 * position to its end; a head published earlier (GET /api/v1/ledger/head, statements) exposes that.
 */
import { GENESIS_HASH, CHAIN_ENCODING_VERSION } from '../domain/chain-encoding.js';
import { chainRowAt, chainRows, latestHead, type ChainRow } from '../storage/repositories/chain-repository.js';
import { chainedTransactions, countUnsealed, unsealedCreatedBefore } from '../storage/repositories/chain-seal-repository.js';
import type { Db } from '../storage/storage.js';
import { chainHash } from './seal-chain.js';

/** Positions read per page. */
const PAGE = 500;
/** Most problems named; the rest are counted. */
const MAX_NAMED = 20;
/**
 * A transaction still unsealed though written this long before the head was sealed cannot be a
 * late commit (the sealer takes at most CHAIN_SEAL_MAX_DELAY_MS; no transaction stays open a minute):
 * it was put in behind the chain's back.
 */
export const UNSEALED_GRACE_MS = 60_000n;

export interface ChainReport {
  ok: boolean;
  problems: string[];
  /** Positions checked. */
  checked: bigint;
  /** Ledger transactions not sealed yet (a recent tail is normal). */
  unsealed: bigint;
}

/**
 * Checks positions `fromSeq` (default 1) to the head; from a later position, the stored hash of
 * the one before is trusted as the anchor (`minibank verify --from`), and the search for inserted
 * transactions (a full scan) is left to a full check. Never throws for what it finds.
 */
export async function verifyChain(db: Db, { fromSeq = 1n }: { fromSeq?: bigint } = {}): Promise<ChainReport> {
  const problems: string[] = [];
  const note = (problem: string) => {
    if (problems.length < MAX_NAMED) problems.push(problem);
    else if (problems.length === MAX_NAMED) problems.push('... and more chain problems (fix the first ones, then check again)');
  };
  let previous = GENESIS_HASH;
  if (fromSeq > 1n) {
    const anchor = await chainRowAt(db, fromSeq - 1n);
    if (!anchor) return { ok: false, problems: [`chain position ${fromSeq - 1n} does not exist: nothing to check from`], checked: 0n, unsealed: 0n };
    previous = anchor.hash;
  }
  let expected = fromSeq;
  for (;;) {
    const page = await chainRows(db, { fromPosition: expected, limit: PAGE });
    if (page.length === 0) break;
    const txns = await chainedTransactions(
      db,
      page.map((r) => r.transactionSeq),
    );
    for (const row of page) {
      if (row.position !== expected) note(`chain positions ${expected}..${row.position - 1n} are missing (rows deleted from the chain)`);
      const problem = checkLink(row, txns.get(row.transactionSeq), previous);
      if (problem) note(problem);
      previous = row.hash;
      expected = row.position + 1n;
    }
  }
  if (fromSeq === 1n) await checkNothingInsertedBehind(db, note);
  return { ok: problems.length === 0, problems, checked: expected - fromSeq, unsealed: await countUnsealed(db) };
}

type Txn = Awaited<ReturnType<typeof chainedTransactions>> extends Map<bigint, infer T> ? T : never;

/** The problem with one link, or null when its transaction hashes to the stored hash. */
function checkLink(row: ChainRow, txn: Txn | undefined, previous: string): string | null {
  const at = `chain position ${row.position}`;
  if (row.encoding !== CHAIN_ENCODING_VERSION) return `${at}: transaction ${row.transactionId} is sealed with unknown encoding ${row.encoding}`;
  if (!txn) return `${at}: transaction ${row.transactionId} does not match its chain hash: it is missing from the ledger (deleted?)`;
  if (txn.id !== row.transactionId)
    return `${at}: transaction ${row.transactionId} does not match its chain hash: its place holds transaction ${txn.id} (moved or swapped)`;
  let computed: string;
  try {
    computed = chainHash(txn, row.position, previous);
  } catch (error) {
    return `${at}: transaction ${txn.id} cannot be hashed: ${(error as Error).message}`;
  }
  if (computed !== row.hash) return `${at}: transaction ${txn.id} does not match its chain hash (the transaction, its entries or the chain row was changed)`;
  return null;
}

/** Unsealed transactions written long before the head was sealed: inserted after sealing. */
async function checkNothingInsertedBehind(db: Db, note: (problem: string) => void): Promise<void> {
  const head = await latestHead(db);
  if (!head) return;
  const behind = await unsealedCreatedBefore(db, head.sealedAtMs - UNSEALED_GRACE_MS, MAX_NAMED);
  for (const t of behind)
    note(`transaction ${t.id} is not in the chain, though it is dated long before the chain's head was sealed (inserted behind the chain's back?)`);
}
