/**
 * Half-finished web sign-ins (migration 007): a browser that gave the right password and owes its
 * second factor. Looked up only by the SHA-256 of its cookie. Each row is single-use: the success
 * that ends it is a conditional DELETE, so two racing submissions of a right code make one session.
 */
import type { Db, Trx } from '../storage.js';

export interface PendingSignInRow {
  userId: string;
  username: string;
  passwordGeneration: bigint;
  throttleKey: string;
  nextPath: string | null;
  failures: number;
}

export async function insertPendingSignIn(
  db: Db | Trx,
  row: { idHash: string; userId: string; passwordGeneration: bigint; throttleKey: string; nextPath: string | null; nowMs: bigint; expiresAtMs: bigint },
): Promise<void> {
  await db
    .insertInto('pending_sign_ins')
    .values({
      id_hash: row.idHash,
      user_id: row.userId,
      password_generation: row.passwordGeneration,
      throttle_key: row.throttleKey,
      next_path: row.nextPath,
      created_at: row.nowMs,
      expires_at: row.expiresAtMs,
    })
    .execute();
}

/** The pending sign-in with this id hash, if it has not expired by `nowMs`. */
export async function findPendingSignIn(db: Db | Trx, idHash: string, nowMs: bigint): Promise<PendingSignInRow | undefined> {
  const row = await db
    .selectFrom('pending_sign_ins as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['p.user_id', 'u.username', 'p.password_generation', 'p.throttle_key', 'p.next_path', 'p.failures'])
    .where('p.id_hash', '=', idHash)
    .where('p.expires_at', '>', nowMs)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    userId: row.user_id,
    username: row.username,
    passwordGeneration: BigInt(row.password_generation),
    throttleKey: row.throttle_key,
    nextPath: row.next_path,
    failures: Number(row.failures),
  };
}

/** Ends it. True when this call ended it (it was there). */
export async function deletePendingSignIn(db: Db | Trx, idHash: string): Promise<boolean> {
  const result = await db.deleteFrom('pending_sign_ins').where('id_hash', '=', idHash).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/** Counts one wrong code; ends the row once it reaches `maxFailures`. */
export async function countPendingFailure(db: Db | Trx, idHash: string, maxFailures: number): Promise<void> {
  await db
    .updateTable('pending_sign_ins')
    .set((eb) => ({ failures: eb('failures', '+', 1) }))
    .where('id_hash', '=', idHash)
    .execute();
  await db.deleteFrom('pending_sign_ins').where('id_hash', '=', idHash).where('failures', '>=', maxFailures).execute();
}

/** Removes every row expired by `nowMs` (the periodic purge). */
export async function purgeExpiredPendingSignIns(db: Db | Trx, nowMs: bigint): Promise<number> {
  const result = await db.deleteFrom('pending_sign_ins').where('expires_at', '<=', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}
