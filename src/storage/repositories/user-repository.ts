import { preparedQuery } from '../prepared-query.js';
import type { Db, Trx } from '../storage.js';
import type { UserRow } from '../schema.js';

const userByUsername = preparedQuery<{ username: string }, UserRow>((db, p) => db.selectFrom('users').selectAll().where('username', '=', p('username')));
const userById = preparedQuery<{ id: string }, UserRow>((db, p) => db.selectFrom('users').selectAll().where('id', '=', p('id')));

export async function insertUser(db: Db | Trx, user: UserRow): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export async function findUserByUsername(db: Db | Trx, username: string): Promise<UserRow | undefined> {
  return userByUsername.first(db, { username });
}

export async function findUserById(db: Db | Trx, id: string): Promise<UserRow | undefined> {
  return userById.first(db, { id });
}

export async function updatePasswordHash(db: Db | Trx, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}
