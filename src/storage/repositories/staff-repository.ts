/**
 * What the operators' console reads and changes (issue 15): the customer search, freezing and
 * unfreezing an account (with the reason its owner is shown, migration 015), and ending every web
 * session of a user. Roles themselves are in role-repository.ts.
 */
import { sql } from 'kysely';
import type { Account } from './account-repository.js';
import type { Db, Trx } from '../storage.js';

export interface FoundUser {
  id: string;
  username: string;
  created_at: bigint;
}

/** `%`, `_` and the escape itself, escaped for a LIKE pattern with `escape '\'`. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Users whose username starts with `prefix` (lower-case), by username, at most `limit`. */
export async function findUsersByPrefix(db: Db | Trx, prefix: string, limit: number): Promise<FoundUser[]> {
  return db
    .selectFrom('users')
    .select(['id', 'username', 'created_at'])
    .where(sql<boolean>`username like ${likeLiteral(prefix) + '%'} escape '\\'`)
    .orderBy('username')
    .limit(limit)
    .execute();
}

/** The user by id (only the fields a search shows). */
export async function findFoundUser(db: Db | Trx, userId: string): Promise<FoundUser | undefined> {
  return db.selectFrom('users').select(['id', 'username', 'created_at']).where('id', '=', userId).executeTakeFirst();
}

/** Sets the status of a customer's (kind `user`) account; undefined when there is none with this id. */
const setUserAccountStatus = (trx: Trx, accountId: string, status: 'frozen' | 'active'): Promise<Account | undefined> =>
  trx.updateTable('accounts').set({ status }).where('id', '=', accountId).where('kind', '=', 'user').returningAll().executeTakeFirst();

/**
 * Freezes a customer's account and stores why (replacing an earlier reason), in the caller's
 * transaction. Undefined when no customer account has this id. The movement rules then refuse it
 * as payer and payee (`account_frozen`).
 */
export async function freezeUserAccount(trx: Trx, accountId: string, reason: string, nowMs: bigint): Promise<Account | undefined> {
  const account = await setUserAccountStatus(trx, accountId, 'frozen');
  if (!account) return undefined;
  await trx.deleteFrom('account_freezes').where('account_id', '=', accountId).execute();
  await trx.insertInto('account_freezes').values({ account_id: accountId, reason, frozen_at: nowMs }).execute();
  return account;
}

/** Unfreezes a customer's account and forgets why it was frozen. Undefined when no customer account has this id. */
export async function unfreezeUserAccount(trx: Trx, accountId: string): Promise<Account | undefined> {
  const account = await setUserAccountStatus(trx, accountId, 'active');
  if (!account) return undefined;
  await trx.deleteFrom('account_freezes').where('account_id', '=', accountId).execute();
  return account;
}

/** Why and when each of these accounts was frozen (accounts not frozen are absent). */
export async function findFreezes(db: Db | Trx, accountIds: readonly string[]): Promise<Map<string, { reason: string; frozenAtMs: bigint }>> {
  const out = new Map<string, { reason: string; frozenAtMs: bigint }>();
  if (accountIds.length === 0) return out;
  const rows = await db.selectFrom('account_freezes').selectAll().where('account_id', 'in', accountIds).execute();
  for (const row of rows) out.set(row.account_id, { reason: row.reason, frozenAtMs: BigInt(row.frozen_at) });
  return out;
}

/** Ends every web session of the user (their cookies then lead nowhere); how many there were. */
export async function deleteAllSessionsOfUser(db: Db | Trx, userId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
