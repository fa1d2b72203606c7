import type { Insertable } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
import type { Db, Trx } from '../storage.js';
import type { UserRow, UsersTable } from '../schema.js';

/** A user as stored (snake_case columns), with the password hash: what the reads here return. */
export type User = UserRow;

const userByUsername = preparedQuery<{ username: string }, UserRow>((db, p) => db.selectFrom('users').selectAll().where('username', '=', p('username')));
const userById = preparedQuery<{ id: string }, UserRow>((db, p) => db.selectFrom('users').selectAll().where('id', '=', p('id')));

/** A new user's password generation: the column's default in migration 004. */
export const FIRST_PASSWORD_GENERATION = 0n;

export async function insertUser(db: Db | Trx, user: Insertable<UsersTable>): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

/** The user with their hash and password generation, read together (one row, one read). */
export async function findUserByUsername(db: Db | Trx, username: string): Promise<User | undefined> {
  return userByUsername.first(db, { username });
}

export async function findUserById(db: Db | Trx, id: string): Promise<User | undefined> {
  return userById.first(db, { id });
}

/** The user's current password generation, or undefined when the user is gone. */
export async function currentPasswordGeneration(db: Db | Trx, userId: string): Promise<bigint | undefined> {
  const row = await db.selectFrom('users').select('password_generation').where('id', '=', userId).executeTakeFirst();
  return row && BigInt(row.password_generation);
}

/**
 * Stores a stronger hash of the *same* password (rehash at login), only while the password is still
 * the one that was checked (`generation`): a rehash racing a password change must never put the old
 * password back. Returns false when the generation moved (nothing written).
 */
export async function rehashPassword(db: Db | Trx, userId: string, generation: bigint, passwordHash: string): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ password_hash: passwordHash })
    .where('id', '=', userId)
    .where('password_generation', '=', generation)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Replaces the password and starts a new password generation, only if the generation is still
 * `checkedGeneration` (the one the current password was verified against): compare-and-set, so of
 * two racing changes only one wins. Returns the new generation, or null when it had moved.
 */
export async function replacePassword(db: Db | Trx, userId: string, checkedGeneration: bigint, passwordHash: string): Promise<bigint | null> {
  const result = await db
    .updateTable('users')
    .set((eb) => ({ password_hash: passwordHash, password_generation: eb('password_generation', '+', 1n) }))
    .where('id', '=', userId)
    .where('password_generation', '=', checkedGeneration)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0 ? checkedGeneration + 1n : null;
}
