import { preparedQuery } from '../prepared-query.js';
import type { Db, Trx } from '../storage.js';

/** `passwordGeneration`: the user's password generation the token's password check was made against (issue 11 class 1). */
export async function insertToken(
  db: Db | Trx,
  token: { jti: string; userId: string; createdAtMs: bigint; expiresAtMs: bigint; passwordGeneration: bigint },
): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      jti: token.jti,
      user_id: token.userId,
      created_at: token.createdAtMs,
      expires_at: token.expiresAtMs,
      revoked_at: null,
      password_generation: token.passwordGeneration,
    })
    .execute();
}

export interface LiveTokenUser {
  userId: string;
  username: string;
  userCreatedAtMs: bigint;
}

// Read on every authenticated API request, so built once (prepared-query.ts).
const liveTokenUser = preparedQuery<{ jti: string; nowMs: bigint }, { userId: string; username: string; userCreatedAt: bigint }>((db, p) =>
  db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['u.id as userId', 'u.username as username', 'u.created_at as userCreatedAt'])
    .where('t.jti', '=', p('jti'))
    .where('t.revoked_at', 'is', null)
    .where('t.expires_at', '>', p('nowMs'))
    // Issued against an older password: dead (issue 11 class 1), decided by the same read.
    .whereRef('t.password_generation', '=', 'u.password_generation'),
);

/** The user behind a live (unrevoked, unexpired, current password generation) token, in one query. */
export async function findLiveTokenUser(db: Db | Trx, jti: string, nowMs: bigint): Promise<LiveTokenUser | undefined> {
  const row = await liveTokenUser.first(db, { jti, nowMs });
  return row && { userId: row.userId, username: row.username, userCreatedAtMs: BigInt(row.userCreatedAt) };
}

export async function revokeToken(db: Db | Trx, jti: string, nowMs: bigint): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: nowMs }).where('jti', '=', jti).where('revoked_at', 'is', null).execute();
}

/** Revokes every live token of the user; returns how many were revoked. */
export async function revokeAllTokensOfUser(db: Db | Trx, userId: string, nowMs: bigint): Promise<number> {
  const result = await db.updateTable('api_tokens').set({ revoked_at: nowMs }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteExpiredTokens(db: Db | Trx, nowMs: bigint): Promise<void> {
  await db.deleteFrom('api_tokens').where('expires_at', '<', nowMs).execute();
}
