/**
 * Reversals with four eyes (issue 15 part B; contract "Operators (round 2)").
 *
 * A reversal is a new correcting ledger transaction; nothing is ever edited (ledger rows are
 * append-only, migration 001). Its link to the original is the column `reversal_of`, and the
 * public type "reversal" is derived from it (not null => "reversal"). The stored `type` keeps
 * saying which way the money went between a customer and the bank's cash: a deposit's reversal
 * is stored as a `withdrawal`, a withdrawal's as a `deposit`, a transfer's as a `transfer`.
 *
 * Why a link column and not a wider CHECK on `type` (migration 001 allows deposit|withdrawal|
 * transfer): SQLite cannot alter a CHECK, only rebuild the table (create, copy every row, drop,
 * rename). That is a copy of the largest table, with `entries` and `ledger_chain` pointing at it
 * and its append-only triggers to recreate, and it needs `PRAGMA foreign_keys = off`, which SQLite
 * ignores inside the migration's transaction. Adding a nullable column is instant on both
 * databases, every reader that understands a stored type stays right about the money's direction,
 * and the link is what verify and the hash chain need anyway (chain-encoding.ts names
 * `reversal_of` as an extension field). The unique index makes "at most one reversal per
 * transaction" a fact the database keeps, whatever the code above it does.
 *
 * `reversal_approvals`: maker-checker for reversals of at least REVERSAL_APPROVAL_MINOR. One row
 * per request; `status` moves once from `pending` to `approved` (by another admin) or `expired`
 * (stored only when a new request for the same transaction replaces one past `expires_at`; until
 * then a pending row past it reads expired). At most one pending request per transaction (partial
 * unique index). `amount` is the original's, kept so the queue needs no ledger read.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('ledger_transactions')
    .addColumn('reversal_of', 'text', (c) => c.references('ledger_transactions.id'))
    .execute();
  await db.schema
    .createIndex('ledger_transactions_one_reversal')
    .on('ledger_transactions')
    .column('reversal_of')
    .unique()
    .where(sql.ref('reversal_of'), 'is not', null)
    .execute();
  // The deposits report (who created how much money, and when) reads deposits by time.
  await db.schema
    .createIndex('ledger_transactions_deposits_created')
    .on('ledger_transactions')
    .column('created_at')
    .where(sql.ref('type'), '=', sql.lit('deposit'))
    .execute();

  await db.schema
    .createTable('reversal_approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('ledger_transactions.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('maker_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('checker_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('decided_at', 'bigint')
    .addColumn('reversal_id', 'text', (c) => c.references('ledger_transactions.id'))
    .addCheckConstraint('reversal_approvals_status', sql`status in ('pending', 'approved', 'expired')`)
    .addCheckConstraint('reversal_approvals_four_eyes', sql`checker_user_id is null or checker_user_id <> maker_user_id`)
    .addCheckConstraint('reversal_approvals_approved', sql`(status = 'approved') = (reversal_id is not null and checker_user_id is not null)`)
    .execute();
  await db.schema
    .createIndex('reversal_approvals_one_pending')
    .on('reversal_approvals')
    .column('transaction_id')
    .unique()
    .where(sql.ref('status'), '=', sql.lit('pending'))
    .execute();
  await db.schema.createIndex('reversal_approvals_status_created').on('reversal_approvals').columns(['status', 'created_at']).execute();
}
