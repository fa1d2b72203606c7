import type { Db, Trx } from '../storage.js';
import type { UserRow } from '../schema.js';

export async function insertUser(db: Db | Trx, user: UserRow): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export async function findUserByUsername(db: Db | Trx, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function findUserById(db: Db | Trx, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updatePasswordHash(db: Db | Trx, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}
