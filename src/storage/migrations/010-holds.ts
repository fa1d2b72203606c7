/**
 * Holds, two-phase transfers (issue 14 item 2; contract "Holds (round 2)"). The field's model with a
 * pending amount on the account row (TigerBeetle's `debits_pending`): `accounts.held` is the sum of
 * the account's pending holds as payer, and a hold writes no entries until it is captured, when it
 * becomes an ordinary `transfer` (docs/ledger.md "Holds"). `holds` keeps one row per hold, resolved
 * exactly once by a conditional update of its `status`.
 *
 * The CHECKs keep held within what the account holds: never negative, and never more than the
 * balance of a user account (available = balance - held >= 0). SQLite accepts a CHECK on ADD COLUMN
 * and tests it against the rows already there (all 0 here); PostgreSQL gets a table constraint.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

const heldRule = sql`held >= 0 and (kind = 'system' or balance - held >= 0)`;

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await db.schema
      .alterTable('accounts')
      .addColumn('held', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`alter table accounts add constraint accounts_held_within_balance check (${heldRule})`.execute(db);
  } else {
    await db.schema
      .alterTable('accounts')
      .addColumn('held', 'bigint', (c) => c.notNull().defaultTo(0).check(heldRule))
      .execute();
  }

  await db.schema
    .createTable('holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('from_account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('to_account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('captured_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('memo', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('transaction_id', 'text')
    .addColumn('actor_user_id', 'text', (c) => c.references('users.id'))
    .addCheckConstraint('holds_status', sql`status in ('pending', 'captured', 'voided', 'expired')`)
    .addCheckConstraint('holds_amount_positive', sql`amount > 0`)
    .addCheckConstraint('holds_captured_within_amount', sql`captured_amount >= 0 and captured_amount <= amount`)
    .addCheckConstraint('holds_resolved', sql`(status = 'pending') = (resolved_at is null)`)
    .addCheckConstraint('holds_two_accounts', sql`from_account_id <> to_account_id`)
    .execute();
  // Lists by role (newest first, keyset on created_at, id) and the sweeper's scan of pending holds.
  await db.schema.createIndex('holds_from_created').on('holds').columns(['from_account_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('holds_to_created').on('holds').columns(['to_account_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('holds_pending_expiry').on('holds').column('expires_at').where(sql.ref('status'), '=', 'pending').execute();
}
