/**
 * The chain sealer's SQLite side (docs/ledger.md "Sealing on SQLite"). The round runs in a write
 * transaction (`BEGIN IMMEDIATE`), which is the one-sealer-at-a-time lock across processes too, and
 * SQLite has one writer at a time, so `seq` order is commit order: everything above the last sealed
 * seq is committed, visible, and later than everything sealed.
 */
import { CompiledQuery } from 'kysely';
import type { Db, Trx } from '../../storage.js';
import type { SealRound } from '../../repositories/chain-seal-repository.js';

export async function openSqliteSealRound(trx: Trx, limit: number): Promise<SealRound> {
  const head = await trx.selectFrom('ledger_chain').select(['position', 'hash', 'transaction_seq']).orderBy('position', 'desc').limit(1).executeTakeFirst();
  const rows = await trx
    .selectFrom('ledger_transactions')
    .select('seq')
    .where('seq', '>', head ? BigInt(head.transaction_seq) : 0n)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return {
    previous: head ? { position: BigInt(head.position), hash: head.hash } : null,
    candidates: rows.map((r) => BigInt(r.seq)),
    horizon: null,
    more: rows.length >= limit,
  };
}

/** Anything above the last sealed seq (read outside any transaction: an idle tick then takes no write lock). */
const ANY_UNSEALED = CompiledQuery.raw(
  'select exists (select 1 from ledger_transactions where seq > coalesce((select transaction_seq from ledger_chain order by position desc limit 1), 0)) as found',
);

export async function sqliteHasUnsealed(db: Db): Promise<boolean> {
  const result = await db.executeQuery<{ found: number | bigint }>(ANY_UNSEALED);
  return Number(result.rows[0]?.found ?? 0) === 1;
}
