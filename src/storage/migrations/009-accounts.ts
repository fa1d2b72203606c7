/**
 * More than one account per user (issue 14 item 1): each account gets a `name` and can be closed.
 *
 * Why `closed_at` and not a third `status`: migration 001 created `accounts` with
 * CHECK (status in ('active', 'frozen')). PostgreSQL could drop and re-add that constraint, but
 * SQLite cannot alter a CHECK without rebuilding the table, and `entries`, `ledger_transactions`
 * actors and (soon) holds and payment requests reference `accounts`: a rebuild on a live bank is a
 * long, risky copy for one word. So closing sets `closed_at` (epoch ms), and the API derives
 * `status: "closed"` from it (closed wins over frozen). `status` keeps meaning what operators set.
 *
 * Constraints the database itself holds, whatever the code does:
 * - `name` is 1..40 characters (code points on both databases); existing accounts are called "Main".
 * - A closed account holds no money (`closed_at is null or balance = 0`): a credit that slipped past
 *   the movement rules would fail here instead of stranding money in a closed account.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('accounts')
    .addColumn('name', 'text', (c) =>
      c
        .notNull()
        .defaultTo('Main')
        .check(sql`length(name) between 1 and 40`),
    )
    .execute();
  if (dialect === 'postgres') {
    await db.schema.alterTable('accounts').addColumn('closed_at', 'bigint').execute();
    await db.schema
      .alterTable('accounts')
      .addCheckConstraint('accounts_closed_empty', sql`closed_at is null or balance = 0`)
      .execute();
  } else {
    // SQLite adds a CHECK only as part of the new column's definition.
    await db.schema
      .alterTable('accounts')
      .addColumn('closed_at', 'bigint', (c) => c.check(sql`closed_at is null or balance = 0`))
      .execute();
  }
}
