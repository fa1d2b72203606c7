/**
 * Movement notices leave the money path (issue 18, the cost target; docs/performance.md "The outbox
 * and notices on the transfer path"). A transfer no longer writes its "money received" / "money
 * sent" notices in its own transaction: the notice writer (app/write-movement-notices.ts) derives
 * them from the sealed ledger after commit, in chain order, in batches.
 *
 * - `notice_cursor`, one row: `position` is the last chain position whose movement notices are
 *   written; it moves in the same transaction as the notices, so each is written exactly once.
 *   `first_seq`: ledger transactions below it were written before this migration, with their
 *   notices in their own transaction, so the writer skips them (they may be sealed after it runs).
 * - PostgreSQL: `minibank_transfer_batch` (migration 019) is replaced by its version without the
 *   two notice inserts and their five parameters (dialects/postgres/transfer-batch-sql.ts).
 */
import { sql, type Kysely } from 'kysely';
import { FIRST_TRANSFER_BATCH_SIGNATURE, transferBatchFunctionSql } from '../dialects/postgres/transfer-batch-sql.js';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('notice_cursor')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('first_seq', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into notice_cursor (id, position, first_seq)
    select 1, coalesce((select max(position) from ledger_chain), 0), coalesce((select max(seq) from ledger_transactions), 0) + 1`.execute(db);
  if (dialect !== 'postgres') return;
  await sql.raw(`drop function if exists ${FIRST_TRANSFER_BATCH_SIGNATURE}`).execute(db);
  await sql.raw(transferBatchFunctionSql()).execute(db);
}
