/**
 * Movement notices leave the money path (issue 18, the cost target; docs/performance.md "The outbox
 * and notices on the transfer path"). A transfer no longer writes its "money received" / "money
 * sent" notices in its own transaction: the notice writer (app/write-movement-notices.ts) derives
 * them from the sealed ledger after commit, in chain order, in batches.
 *
 * - `notice_cursor`, one row: `position` is the last chain position whose movement notices are
 *   written; it moves in the same transaction as the notices, so each is written exactly once. It
 *   starts at the chain's head.
 * - `ledger_transactions.notices_after_commit`: today's code writes 1; the default 0 marks a
 *   transaction whose version wrote its notices itself. That covers the history, transactions
 *   committed but not yet sealed when this runs, and those an instance of the previous version
 *   commits during a rolling upgrade or after a rollback (docs/operations.md "Upgrades and
 *   migrations"): the writer notifies only 1, so none is notified twice.
 * - PostgreSQL: the batch function without the notice inserts (dialects/postgres/transfer-batch-sql.ts)
 *   is added under a new signature, beside migration 019's, which an instance of the previous version
 *   still calls until it is replaced; a later migration may drop the old one.
 */
import { sql, type Kysely } from 'kysely';
import { transferBatchFunctionSql } from '../dialects/postgres/transfer-batch-sql.js';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('ledger_transactions')
    .addColumn('notices_after_commit', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('notice_cursor')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('position', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into notice_cursor (id, position) select 1, coalesce((select max(position) from ledger_chain), 0)`.execute(db);
  if (dialect !== 'postgres') return;
  await sql.raw(transferBatchFunctionSql()).execute(db);
}
