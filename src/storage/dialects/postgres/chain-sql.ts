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
import type { SealRound } from '../../repositories/chain-seal-repository.js';

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
