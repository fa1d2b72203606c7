/**
 * The second factor (issue 13 part A): TOTP secrets, recovery codes and half-finished web sign-ins.
 *
 * - `totp_credentials`, one row per user: the active secret (on once confirmed) and a pending one
 *   (enrolment started, not confirmed), both sealed with AES-256-GCM under a key derived from the
 *   server secret (src/services/secret-box.ts), never in clear. `last_step` is the last TOTP time
 *   step accepted for this user, whatever it was used for: a code is accepted only for a greater
 *   step, by a conditional UPDATE (RFC 6238 section 5.2: a code is accepted once).
 * - `recovery_codes`: only the SHA-256 of each high-entropy code; `used_at` set once, conditionally.
 * - `pending_sign_ins`: a browser that gave the right password and still owes its code. The cookie
 *   holds 256 random bits; only its SHA-256 is stored (like sessions, migration 002).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('totp_credentials')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
    .addColumn('secret_sealed', 'text')
    .addColumn('enabled_at', 'bigint')
    .addColumn('pending_sealed', 'text')
    .addColumn('pending_at', 'bigint')
    .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('recovery_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute();
  await db.schema
    .createTable('pending_sign_ins')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('password_generation', 'bigint', (c) => c.notNull())
    .addColumn('throttle_key', 'text', (c) => c.notNull())
    .addColumn('next_path', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pending_sign_ins_expires').on('pending_sign_ins').column('expires_at').execute();
}
