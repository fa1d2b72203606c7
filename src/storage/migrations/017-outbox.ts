/**
 * The outbox, notifications and email addresses (issue 18 part A; contract "Recovery and
 * notifications (round 2)").
 *
 * `outbox`: one row per message to deliver (a webhook POST to one configured URL, or one email),
 * written in the same transaction as what it reports, so a message exists if and only if its event
 * committed. `seq` is the insertion order; on one account it is the commit order too (a writer
 * holds the account's row lock, or SQLite's write lock, from before it inserts until it commits).
 * `key_a`/`key_b` are the accounts a webhook concerns: a message is not delivered while an earlier
 * pending one to the same target shares one of them ("in commit order per account"). `lease_id` and
 * `lease_until` are the claim of one worker; a claim whose lease passed (the worker died) is
 * claimed again. `status` moves once from `pending` to `delivered` or `failed` (after
 * OUTBOX_MAX_ATTEMPTS tries). Email payloads are sealed (secret box): they carry one-time links.
 *
 * `notifications`: the in-app list, one row per notice to a user; the partial index keeps the
 * unread count (the bell) an index-only count.
 *
 * `user_emails`: a user's confirmed address (in force) and a pending one awaiting its single-use
 * link, whose token is stored only as its SHA-256; `notification_settings`: the kinds a user turned
 * off for email and the "money sent" threshold in minor units (null: no such notice).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  await db.schema
    .createTable('outbox')
    .addColumn('seq', serial as 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('key_a', 'text')
    .addColumn('key_b', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_id', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .addCheckConstraint('outbox_channel', sql`channel in ('webhook', 'email')`)
    .addCheckConstraint('outbox_status', sql`status in ('pending', 'delivered', 'failed')`)
    .execute();
  await db.schema.createIndex('outbox_pending').on('outbox').columns(['next_attempt_at', 'seq']).where(sql.ref('status'), '=', sql.lit('pending')).execute();
  await db.schema.createIndex('outbox_status_seq').on('outbox').columns(['status', 'seq']).execute();

  await db.schema
    .createTable('notifications')
    .addColumn('seq', serial as 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .execute();
  await db.schema.createIndex('notifications_user_seq').on('notifications').columns(['user_id', 'seq']).execute();
  await db.schema.createIndex('notifications_unread').on('notifications').column('user_id').where(sql.ref('read_at'), 'is', null).execute();

  await db.schema
    .createTable('user_emails')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
    .addColumn('address', 'text')
    .addColumn('confirmed_at', 'bigint')
    .addColumn('pending_address', 'text')
    .addColumn('token_hash', 'text', (c) => c.unique())
    .addColumn('token_expires_at', 'bigint')
    .execute();

  await db.schema
    .createTable('notification_settings')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
    .addColumn('email_off', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('sent_threshold_minor', 'bigint')
    .execute();
}
