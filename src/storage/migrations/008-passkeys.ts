/**
 * Passkeys (issue 13 part B, WebAuthn Level 3).
 *
 * - `passkeys`: one row per registered credential. `id` is the credential id (base64url, unique
 *   across the bank: it is how an assertion names its key), `public_key` the COSE key (base64url),
 *   `counter` the authenticator's last signature counter (a lowered non-zero one is refused:
 *   WebAuthn section 6.1.1), `transports` a comma-separated hint list, `device_type`
 *   ('singleDevice' | 'multiDevice') and `backed_up` (0/1) the credential's backup flags (BE/BS).
 * - `webauthn_challenges`: single-use challenges, stored server-side. The key is the SHA-256 of a
 *   random cookie the asking browser holds, so a challenge is bound to that browser; a use deletes
 *   the row (one DELETE ... RETURNING), so a replayed challenge finds nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addCheckConstraint('passkeys_name', sql`length(name) between 1 and 60`)
    .addCheckConstraint('passkeys_counter', sql`counter >= 0`)
    .execute();
  await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();
  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('challenge', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webauthn_challenges_expires').on('webauthn_challenges').column('expires_at').execute();
}
