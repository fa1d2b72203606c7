/**
 * Server-side sessions for the web pages. The cookie holds a 256-bit random id; only its SHA-256
 * is stored, so a copy of the database does not let anyone sign in as a user. `handle` is a
 * separate random id shown on the settings page (revoke buttons), so the key never leaves the server.
 * Expiry is enforced in code against the injected clock: idle (last_seen_at) and absolute (expires_at).
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('handle', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
}
