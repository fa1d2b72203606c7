/**
 * Password reset (issue 18 item 4; contract "Recovery and notifications (round 2)").
 *
 * `password_resets`: one row per reset link issued, emailed (`issued_by` 'email', 30 minutes) or
 * shown once to support staff (`issued_by` 'staff', one hour). The token itself is never stored,
 * only its SHA-256 (hex) as the key: a copy of the database cannot be turned into a working link.
 * A link works while `ended_at` is null, before `expires_at`, and only while the user's password
 * generation and confirmed address are still the ones it was issued against
 * (`password_generation`, `email`): a password change or an email change ends every older link
 * without touching this table. Issuing a newer link ends the older ones (`ended_at`), so does
 * using one (`used_at` too) and too many wrong second-factor codes (`code_failures`). Rows are
 * kept after they end: the per-account throttle counts the links emailed in the last hour.
 *
 * The index on `user_emails.address` serves a reset asked by email address (part A's table has
 * none on it).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('password_resets')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('issued_by', 'text', (c) => c.notNull())
    .addColumn('password_generation', 'bigint', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('code_failures', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('ended_at', 'bigint')
    .addColumn('used_at', 'bigint')
    .addCheckConstraint('password_resets_issued_by', sql`issued_by in ('email', 'staff')`)
    .execute();
  await db.schema.createIndex('password_resets_user_created').on('password_resets').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('password_reset_email_lookup').on('user_emails').column('address').execute();
}
