/**
 * The audit trail: one row per security-relevant event (sign-up, logins, logout, password change,
 * session and token revocation, refusals such as rate limits and CSRF failures), with who, when
 * (UTC epoch ms), from which IP and user agent. And for every money movement, the credential that
 * made it: the API token or the web session, beside the existing actor_user_id. Both added columns
 * are nullable, so the append-only ledger's existing rows stay untouched.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  await db.schema
    .createTable('security_events')
    .addColumn('seq', serial as 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('details', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('security_events_type', sql`length(type) between 1 and 40`)
    .execute();
  await db.schema.createIndex('security_events_user').on('security_events').columns(['user_id', 'seq']).execute();
  await db.schema.createIndex('security_events_created').on('security_events').column('created_at').execute();

  // Which credential moved the money: the API token's jti or the web session's public handle.
  await db.schema.alterTable('ledger_transactions').addColumn('actor_token_id', 'text').execute();
  await db.schema.alterTable('ledger_transactions').addColumn('actor_session_id', 'text').execute();
}
