import type { Db, Trx } from '../storage.js';

export async function insertToken(db: Db | Trx, token: { jti: string; userId: string; createdAtMs: bigint; expiresAtMs: bigint }): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({ jti: token.jti, user_id: token.userId, created_at: token.createdAtMs, expires_at: token.expiresAtMs, revoked_at: null })
    .execute();
}

/** The user behind a live (unrevoked, unexpired) token, in one query. */
export async function findLiveTokenUser(db: Db | Trx, jti: string, nowMs: bigint): Promise<{ userId: string; username: string } | undefined> {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['u.id as userId', 'u.username as username'])
    .where('t.jti', '=', jti)
    .where('t.revoked_at', 'is', null)
    .where('t.expires_at', '>', nowMs)
    .executeTakeFirst();
}

export async function revokeToken(db: Db | Trx, jti: string, nowMs: bigint): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: nowMs }).where('jti', '=', jti).where('revoked_at', 'is', null).execute();
}

export async function revokeAllTokensOfUser(db: Db | Trx, userId: string, nowMs: bigint): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: nowMs }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

export async function deleteExpiredTokens(db: Db | Trx, nowMs: bigint): Promise<void> {
  await db.deleteFrom('api_tokens').where('expires_at', '<', nowMs).execute();
}
