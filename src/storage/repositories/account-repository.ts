import { sql } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
import type { AccountRow, NewAccountRow } from '../schema.js';
import type { Db, Trx } from '../storage.js';

/** An account as stored (snake_case columns, balance in minor units): what the reads here return. */
export type Account = AccountRow;

// The reads and writes every request or movement makes are prepared once (prepared-query.ts).
const accountById = preparedQuery<{ id: string }, AccountRow>((db, p) => db.selectFrom('accounts').selectAll().where('id', '=', p('id')));
type WithOwner = AccountRow & { owner_username: string | null };
const withOwner = (db: Db) => db.selectFrom('accounts as a').leftJoin('users as u', 'u.id', 'a.user_id').selectAll('a').select('u.username as owner_username');
const accountByNumberWithOwner = preparedQuery<{ number: string }, WithOwner>((db, p) =>
  withOwner(db).where('a.number', '=', p('number')).where('a.kind', '=', 'user'),
);
type Role = 'payer' | 'payee';
const payerAndPayeeByNumber = preparedQuery<{ payerId: string; number: string }, WithOwner & { role: Role }>((db, p) =>
  withOwner(db)
    .select(sql<Role>`'payer'`.as('role'))
    .where('a.id', '=', p('payerId'))
    .unionAll(
      withOwner(db)
        .select(sql<Role>`'payee'`.as('role'))
        .where('a.number', '=', p('number'))
        .where('a.kind', '=', 'user'),
    ),
);
const accountsByUser = preparedQuery<{ userId: string }, AccountRow>((db, p) =>
  db.selectFrom('accounts').selectAll().where('user_id', '=', p('userId')).orderBy('created_at').orderBy('id'),
);
/** The same, with why bank staff froze each one (account_freezes, issue 15): one read for the owner's pages. */
type WithFreeze = AccountRow & { frozen_reason: string | null };
const accountsByUserWithFreezes = preparedQuery<{ userId: string }, WithFreeze>((db, p) =>
  db
    .selectFrom('accounts as a')
    .leftJoin('account_freezes as f', 'f.account_id', 'a.id')
    .selectAll('a')
    .select('f.reason as frozen_reason')
    .where('a.user_id', '=', p('userId'))
    .orderBy('a.created_at')
    .orderBy('a.id'),
);
const systemAccount = preparedQuery<{ currency: string }, AccountRow>((db, p) =>
  db.selectFrom('accounts').selectAll().where('kind', '=', 'system').where('currency', '=', p('currency')),
);
export async function insertAccount(db: Db | Trx, account: NewAccountRow): Promise<void> {
  await db.insertInto('accounts').values(account).execute();
}

/**
 * Inserts an account unless a unique rule already holds one like it (the one system account per
 * currency, migration 001): opening accounts concurrently never fails on the bank's cash account.
 */
export async function insertAccountUnlessCurrencyHasOne(db: Db | Trx, account: NewAccountRow): Promise<void> {
  await db
    .insertInto('accounts')
    .values(account)
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function findAccountById(db: Db | Trx, id: string): Promise<Account | undefined> {
  return accountById.first(db, { id });
}

export async function findAccountByNumber(db: Db | Trx, number: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('number', '=', number).where('kind', '=', 'user').executeTakeFirst();
}

/** A user account by number, with its owner's username (a transfer reports it), in one query. */
export async function findAccountByNumberWithOwner(db: Db | Trx, number: string): Promise<(Account & { owner_username: string | null }) | undefined> {
  return accountByNumberWithOwner.first(db, { number });
}

/**
 * The payer's account by id and the payee's user account by number, each with its owner's username,
 * in one query (one round trip on PostgreSQL instead of two). Either may be missing; when both are
 * the same account it comes back twice.
 */
export async function findPayerAndPayeeByNumber(db: Db | Trx, payerId: string, number: string): Promise<{ payer?: WithOwner; payee?: WithOwner }> {
  const found: { payer?: WithOwner; payee?: WithOwner } = {};
  for (const { role, ...row } of await payerAndPayeeByNumber.rows(db, { payerId, number })) found[role] = row;
  return found;
}

/** A user's accounts, oldest first: the first is their primary account, the one paid by username. */
export async function findAccountsByUser(db: Db | Trx, userId: string): Promise<Account[]> {
  return accountsByUser.rows(db, { userId });
}

/**
 * A user's accounts, oldest first, each with `frozen_reason`: the reason staff gave when they froze
 * it (null when not frozen). Issue 15: "its owner sees why"; a join, so the pages read no more.
 */
export async function findAccountsByUserWithFreezes(db: Db | Trx, userId: string): Promise<WithFreeze[]> {
  return accountsByUserWithFreezes.rows(db, { userId });
}

export async function findSystemAccount(db: Db | Trx, currency: string): Promise<Account | undefined> {
  return systemAccount.first(db, { currency });
}
