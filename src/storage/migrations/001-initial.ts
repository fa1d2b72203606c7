/**
 * The ledger, accounts, users, API tokens and idempotency keys. The schema itself enforces what
 * must never happen: a negative user balance (CHECK), a zero entry, a second user with the same
 * name, and any UPDATE or DELETE of ledger rows (triggers).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('users_username_lower', sql`username = lower(username)`)
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('accounts_kind', sql`kind in ('user', 'system')`)
    .addCheckConstraint('accounts_status', sql`status in ('active', 'frozen')`)
    .addCheckConstraint('accounts_owner', sql`(kind = 'system') = (user_id is null)`)
    .addCheckConstraint('accounts_user_balance_not_negative', sql`kind = 'system' or balance >= 0`)
    .execute();
  await db.schema.createIndex('accounts_user_id').on('accounts').column('user_id').execute();
  await db.schema.createIndex('accounts_one_system_per_currency').on('accounts').column('currency').unique().where(sql.ref('kind'), '=', 'system').execute();

  await db.schema
    .createTable('ledger_transactions')
    .addColumn('seq', serial as 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('memo', 'text')
    .addColumn('actor_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('ledger_transactions_type', sql`type in ('deposit', 'withdrawal', 'transfer')`)
    .execute();

  await db.schema
    .createTable('entries')
    .addColumn('seq', serial as 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('transaction_seq', 'bigint', (c) => c.notNull().references('ledger_transactions.seq'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('balance_after', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('entries_amount_not_zero', sql`amount <> 0`)
    .execute();
  await db.schema.createIndex('entries_account_seq').on('entries').columns(['account_id', 'seq']).execute();
  await db.schema.createIndex('entries_transaction').on('entries').column('transaction_seq').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();

  await forbidChanges(db, dialect, ['ledger_transactions', 'entries']);
}

/** Entries and transactions are append-only: a mistake is corrected by a new transaction. */
async function forbidChanges(db: Kysely<unknown>, dialect: Dialect, tables: string[]): Promise<void> {
  if (dialect === 'postgres') {
    await sql`
      create function minibank_append_only() returns trigger language plpgsql as $$
      begin
        raise exception '% is append-only', tg_table_name using errcode = 'restrict_violation';
      end $$`.execute(db);
  }
  for (const table of tables) {
    if (dialect === 'postgres') {
      await sql`create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
                for each row execute function minibank_append_only()`.execute(db);
    } else {
      for (const action of ['update', 'delete']) {
        await sql`create trigger ${sql.raw(`${table}_no_${action}`)} before ${sql.raw(action)} on ${sql.table(table)}
                  begin select raise(abort, ${sql.lit(`${table} is append-only`)}); end`.execute(db);
      }
    }
  }
}
