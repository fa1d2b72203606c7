/**
 * Staff roles (issue 15; contract "Operators (round 2)"). Every user is a `customer` without a row;
 * a row here makes them `support` or `admin` as well. Read on every staff request (one indexed
 * read by primary key, joined with the second-factor facts), so a grant or revoke applies to
 * existing sessions and tokens at once. `granted_by` is null when granted on the server's command
 * line (`minibank admin grant`), the only way to make the first admin.
 *
 * `account_freezes` holds why and when staff froze an account (one row while it is frozen), so its
 * owner sees why on the dashboard; the staff member is not stored here (the audit trail has them).
 * A table of its own rather than columns on `accounts`: every account read stays as it was.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addColumn('granted_by', 'text', (c) => c.references('users.id'))
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
    .addCheckConstraint('user_roles_role', sql`role in ('support', 'admin')`)
    .execute();
  await db.schema
    .createTable('account_freezes')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('frozen_at', 'bigint', (c) => c.notNull())
    .execute();
}
