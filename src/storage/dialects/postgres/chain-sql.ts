/**
 * The chain sealer's PostgreSQL side (migration 012, docs/ledger.md "Sealing on PostgreSQL").
 *
 * `seq` (bigserial) is not commit order here: a transaction can take seq 7, stay in flight, and
 * commit after seq 8 was sealed. So the sealer never uses "seq above the last sealed" as its cursor.
 * Each ledger transaction records its writer's transaction id (`commit_xid`, a column default), and
 * each sealing round reads `pg_snapshot_xmin` first: every writer older than it has ended, so its
 * rows are visible to the round's later statements and are sealed in that round. The next round
 * then looks only at `commit_xid >= horizon` (an index range), and among those seals whatever is
 * visible and not yet in the chain. A late commit is therefore sealed at a later position, never
 * skipped, and a long-running writer elsewhere widens the window but does not delay sealing.
 *
 * The round itself (lock, horizon, candidates, encoding, SHA-256, chain rows) runs in the database,
 * in migration 021's `minibank_seal_round`: one round trip and no per-link work in Node. Node still
 * reads transactions for `minibank verify`, which recomputes every link with the TypeScript encoder.
 */
import { CompiledQuery, sql } from 'kysely';
import type { Db, Trx } from '../../storage.js';
import type { ChainedTransaction } from '../../../domain/chain-encoding.js';
import { preparedQuery } from '../../prepared-query.js';

/** What one round in the database did (migration 021's `minibank_seal_round`). */
export type DatabaseSealRound = { sealed: number; more: boolean } | 'busy';

const SEAL_ROUND = 'select r_sealed, r_more, r_busy from minibank_seal_round(cast($1 as int4), cast($2 as int8))';

/**
 * Runs one sealing round in the database inside `trx` (migration 021): the advisory lock, the
 * horizon, the candidates (at most `limit`), each link's version-1 encoding and SHA-256, and the
 * chain rows stamped `sealedAtMs` (epoch ms). 'busy' when another sealer holds the lock; `more` when
 * the batch was full. Nothing is committed here: the caller's transaction decides. Throws what
 * PostgreSQL throws (a unique key violated by a second sealer, a damaged head hash).
 */
export async function sealPostgresRound(trx: Trx, limit: number, sealedAtMs: bigint): Promise<DatabaseSealRound> {
  const result = await trx.executeQuery<{ r_sealed: number; r_more: boolean; r_busy: boolean }>(CompiledQuery.raw(SEAL_ROUND, [limit, String(sealedAtMs)]));
  const row = result.rows[0];
  if (!row) throw new Error('minibank_seal_round returned no row');
  return row.r_busy ? 'busy' : { sealed: row.r_sealed, more: row.r_more };
}

/** What the next round would look at (from the head's horizon) holds something unsealed; no lock, no transaction (migration 021). */
const ANY_UNSEALED = CompiledQuery.raw('select minibank_chain_has_unsealed() as found');

export async function postgresHasUnsealed(db: Db): Promise<boolean> {
  const result = await db.executeQuery<{ found: boolean }>(ANY_UNSEALED);
  return result.rows[0]?.found === true;
}

/*
 * Reading transactions row by row through pg cost more than hashing them (docs/performance.md
 * "Ledger chain"), so verify's reads cross as one JSON value: PostgreSQL builds it, pg parses it
 * with JSON.parse. Integers travel as decimal strings, so nothing passes through a float.
 */

type ChainJsonRow = [
  seq: string,
  id: string,
  type: string,
  memo: string | null,
  createdAt: string,
  user: string | null,
  token: string | null,
  session: string | null,
  reversalOf: string | null,
  entries: [string, string, string][] | null,
];

const transactionsAsJson = preparedQuery<{ seqs: string[] }, { txns: ChainJsonRow[] }>((db, p) => {
  const query = sql<{ txns: ChainJsonRow[] }>`select coalesce(json_agg(json_build_array(
      t.seq::text, t.id, t.type, t.memo, t.created_at::text, t.actor_user_id, t.actor_token_id, t.actor_session_id, t.reversal_of,
      (select json_agg(json_build_array(e.account_id, e.amount::text, e.balance_after::text)) from entries e where e.transaction_seq = t.seq))), '[]') as txns
    from ledger_transactions t where t.seq = any(cast(${p('seqs')} as int8[]))`;
  return { compile: () => query.compile(db) };
});

/** The stored ledger transactions with these seqs and their entries, as the chain encodes them (missing seqs are absent). */
export async function postgresChainedTransactions(db: Db | Trx, seqs: readonly bigint[]): Promise<Map<bigint, ChainedTransaction>> {
  const found = new Map<bigint, ChainedTransaction>();
  const row = await transactionsAsJson.first(db, { seqs: seqs.map(String) });
  for (const [seq, id, type, memo, createdAt, user, token, session, reversalOf, entries] of row?.txns ?? []) {
    found.set(BigInt(seq), {
      id,
      type,
      memo,
      createdAtMs: BigInt(createdAt),
      actorUserId: user,
      actorTokenId: token,
      actorSessionId: session,
      entries: (entries ?? []).map(([accountId, amount, after]) => ({ accountId, amountMinor: BigInt(amount), balanceAfterMinor: BigInt(after) })),
      // Migration 016: a reversal's link is hashed as an extension, so editing it breaks the chain.
      extensions: reversalOf ? { reversal_of: reversalOf } : {},
    });
  }
  return found;
}
