/**
 * An attacker with write access to the database (issue 16 item 2's tests): lifts the append-only
 * triggers of migrations 001 and 012 in the test's own database, then edits rows directly and, like a
 * careful attacker, "fixes" every balance_after and cached balance so only the hash chain can tell.
 */
import { sql } from 'kysely';
import type { Db, Dialect } from '../../src/storage/storage.js';

const TABLES = ['ledger_transactions', 'entries', 'ledger_chain'];

/** Drops the append-only triggers (this database only). */
export async function liftAppendOnly(db: Db, dialect: Dialect): Promise<void> {
  for (const table of TABLES) {
    if (dialect === 'postgres') await sql`drop trigger if exists ${sql.raw(`${table}_append_only`)} on ${sql.table(table)}`.execute(db);
    else for (const action of ['update', 'delete']) await sql`drop trigger if exists ${sql.raw(`${table}_no_${action}`)}`.execute(db);
  }
}

/** Recomputes every entry's balance_after (in seq order) and every cached balance from the entries, as a careful attacker would. */
export async function fixBalances(db: Db): Promise<void> {
  const entries = await db.selectFrom('entries').select(['seq', 'account_id', 'amount', 'balance_after']).orderBy('seq').execute();
  const running = new Map<string, bigint>();
  for (const e of entries) {
    const after = (running.get(e.account_id) ?? 0n) + BigInt(e.amount);
    running.set(e.account_id, after);
    if (BigInt(e.balance_after) !== after) await db.updateTable('entries').set({ balance_after: after }).where('seq', '=', e.seq).execute();
  }
  const accounts = await db.selectFrom('accounts').select('id').execute();
  for (const a of accounts)
    await db
      .updateTable('accounts')
      .set({ balance: running.get(a.id) ?? 0n })
      .where('id', '=', a.id)
      .execute();
}
