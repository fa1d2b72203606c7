/**
 * The hash-chained ledger (issue 16 item 1, docs/ledger.md "The chain"): one row per sealed ledger
 * transaction, at its place in one global order (`position` 1, 2, 3...), with the SHA-256 hash of
 * its canonical encoding and the previous hash.
 *
 * - `position` is the primary key and `transaction_seq` is unique: two sealers racing (or one that
 *   was killed and restarted) can never give two transactions one place, nor one transaction two.
 * - `transaction_id` is kept beside the hash so `minibank verify` can name a sealed transaction even
 *   after its row was deleted.
 * - `horizon` (PostgreSQL only) is the oldest transaction id still running when the row was sealed
 *   (`pg_snapshot_xmin`): every ledger transaction written by an older one was committed and sealed
 *   by then, so the next sealer looks only at `commit_xid >= horizon` (see the sealer's docstring).
 * - On PostgreSQL, `ledger_transactions.commit_xid` records the writing transaction's id through a
 *   column default, so the money path's statements do not change. `seq` (bigserial) is not commit
 *   order on PostgreSQL; the transaction id lets the sealer find late commits without scanning.
 * - Chain rows are append-only, like the ledger (triggers, as in migration 001).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('ledger_chain')
    .addColumn('position', 'bigint', (c) => c.primaryKey())
    .addColumn('transaction_seq', 'bigint', (c) => c.notNull().unique())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('encoding', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('sealed_at', 'bigint', (c) => c.notNull())
    .addColumn('horizon', 'bigint')
    .addCheckConstraint('ledger_chain_position', sql`position >= 1`)
    .execute();
  if (dialect === 'postgres') {
    await sql`alter table ledger_transactions add column commit_xid xid8 default pg_current_xact_id()`.execute(db);
    await sql`create index ledger_transactions_commit_xid on ledger_transactions (commit_xid)`.execute(db);
    await sql`create trigger ledger_chain_append_only before update or delete on ledger_chain
              for each row execute function minibank_append_only()`.execute(db);
  } else {
    for (const action of ['update', 'delete']) {
      await sql`create trigger ${sql.raw(`ledger_chain_no_${action}`)} before ${sql.raw(action)} on ledger_chain
                begin select raise(abort, 'ledger_chain is append-only'); end`.execute(db);
    }
  }
}
