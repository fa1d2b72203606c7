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
 */
import { CompiledQuery, sql } from 'kysely';
import type { Db, Trx } from '../../storage.js';
import type { ChainedTransaction } from '../../../domain/chain-encoding.js';
import { preparedQuery } from '../../prepared-query.js';
import type { NewChainRow, SealRound } from '../../repositories/chain-seal-repository.js';

/** One sealer at a time per database: the lock key is "minibank" in ASCII. */
const SEAL_LOCK_KEY = sql.lit('7886488577209688683');

export async function openPostgresSealRound(trx: Trx, limit: number): Promise<SealRound | 'busy'> {
  const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${SEAL_LOCK_KEY}::bigint) as ok`.execute(trx);
  if (!lock.rows[0]?.ok) return 'busy';
  const xmin = await sql<{ x: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as x`.execute(trx);
  const head = await trx.selectFrom('ledger_chain').select(['position', 'hash', 'horizon']).orderBy('position', 'desc').limit(1).executeTakeFirst();
  const previousHorizon = head?.horizon === null || head?.horizon === undefined ? null : BigInt(head.horizon);
  const window = previousHorizon === null ? sql`true` : sql`t.commit_xid >= ${String(previousHorizon)}::xid8`;
  const rows = await sql<{ seq: bigint }>`
    select t.seq from ledger_transactions t
    where ${window} and not exists (select 1 from ledger_chain c where c.transaction_seq = t.seq)
    order by t.seq limit ${limit}`.execute(trx);
  const full = rows.rows.length >= limit;
  return {
    previous: head ? { position: BigInt(head.position), hash: head.hash } : null,
    candidates: rows.rows.map((r) => BigInt(r.seq)),
    // A full batch may have left older writers' rows behind: keep the old horizon until one is not full.
    horizon: full ? previousHorizon : BigInt(xmin.rows[0]!.x),
    more: full,
  };
}

/** What the next round would look at (from the head's horizon) holds something unsealed; no lock, no transaction. */
const ANY_UNSEALED = CompiledQuery.raw(`select exists (
    select 1 from ledger_transactions t
    where t.commit_xid >= coalesce((select horizon from ledger_chain order by position desc limit 1), 0)::text::xid8
      and not exists (select 1 from ledger_chain c where c.transaction_seq = t.seq)) as found`);

export async function postgresHasUnsealed(db: Db): Promise<boolean> {
  const result = await db.executeQuery<{ found: boolean }>(ANY_UNSEALED);
  return result.rows[0]?.found === true;
}

/*
 * Reading a round's rows and writing its chain rows through pg cost the sealer more than hashing
 * them (row-by-row parsing, seven bound values per chain row; docs/performance.md "Ledger chain").
 * Here both cross as one JSON value: PostgreSQL builds or unpacks it, pg parses it with JSON.parse.
 * Integers travel as decimal strings, so nothing passes through a float.
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

const chainRowsFromJson = preparedQuery<{ rows: string }>((db, p) => {
  const query = sql`insert into ledger_chain (position, transaction_seq, transaction_id, encoding, hash, sealed_at, horizon)
    select position, transaction_seq, transaction_id, encoding, hash, sealed_at, horizon
    from json_to_recordset(cast(${p('rows')} as json))
      as r(position int8, transaction_seq int8, transaction_id text, encoding int, hash text, sealed_at int8, horizon int8)`;
  return { compile: () => query.compile(db) };
});

/** Appends chain rows in one statement; a position or transaction already sealed fails it (unique keys). */
export async function insertPostgresChainRows(trx: Trx, rows: readonly NewChainRow[]): Promise<void> {
  const json = JSON.stringify(
    rows.map((r) => ({
      position: String(r.position),
      transaction_seq: String(r.transactionSeq),
      transaction_id: r.transactionId,
      encoding: r.encoding,
      hash: r.hash,
      sealed_at: String(r.sealedAtMs),
      horizon: r.horizon === null ? null : String(r.horizon),
    })),
  );
  await chainRowsFromJson.changed(trx, { rows: json });
}
