/**
 * Payment requests (issue 14 item 3; contract "Payment requests (round 2)"): one user asks another
 * to pay an amount into one of their accounts. A request moves no money and writes no entries; the
 * payment is an ordinary `transfer`, whose ledger transaction the row names once paid
 * (docs/ledger.md "Payment requests"). `status` changes exactly once, from `pending`, by a
 * conditional update; `expired` is never stored: a pending row past `expires_at` reads expired.
 * `seq` orders the lists (keyset pagination, newest first) and is never shown.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  await db.schema
    .createTable('payment_requests')
    .addColumn('seq', serial as 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('requester_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('to_account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('payer_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('memo', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('transaction_id', 'text', (c) => c.references('ledger_transactions.id'))
    .addCheckConstraint('payment_requests_status', sql`status in ('pending', 'paid', 'declined', 'cancelled')`)
    .addCheckConstraint('payment_requests_amount_positive', sql`amount > 0`)
    .addCheckConstraint('payment_requests_resolved', sql`(status = 'pending') = (resolved_at is null)`)
    .addCheckConstraint('payment_requests_paid_has_transaction', sql`(status = 'paid') = (transaction_id is not null)`)
    .addCheckConstraint('payment_requests_not_to_self', sql`requester_user_id <> payer_user_id`)
    .execute();
  // The two lists (incoming, outgoing), newest first; the pending count per requester; the close check.
  await db.schema.createIndex('payment_requests_payer_seq').on('payment_requests').columns(['payer_user_id', 'seq']).execute();
  await db.schema.createIndex('payment_requests_requester_seq').on('payment_requests').columns(['requester_user_id', 'seq']).execute();
  await db.schema
    .createIndex('payment_requests_pending_into')
    .on('payment_requests')
    .columns(['to_account_id', 'expires_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}
