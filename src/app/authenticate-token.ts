import { DomainError } from '../domain/errors.js';
import { findLiveTokenUser } from '../storage/repositories/token-repository.js';
import { nowMsBig, type AppContext } from './context.js';

export interface Principal {
  userId: string;
  username: string;
  /** The token's id, so logout can revoke exactly this token. */
  tokenId: string;
  /** When the user signed up; the liveness read has it anyway, so GET /me needs no second read. */
  userCreatedAtMs: bigint;
}

/**
 * A valid signature is not enough: the token must also be live in the database: not revoked, not
 * expired, and issued against the user's current password generation (issue 11 class 1), all
 * decided by the one liveness read (findLiveTokenUser). Otherwise 401 `unauthenticated`.
 */
export async function authenticateToken(ctx: AppContext, token: string): Promise<Principal> {
  const claims = await ctx.tokens.verify(token, ctx.clock.nowMs());
  const live = claims ? await findLiveTokenUser(ctx.storage.db, claims.jti, nowMsBig(ctx)) : undefined;
  if (!claims || !live || live.userId !== claims.userId) {
    throw new DomainError('unauthenticated', 'The access token is missing, invalid, expired or revoked.');
  }
  return { userId: live.userId, username: live.username, tokenId: claims.jti, userCreatedAtMs: live.userCreatedAtMs };
}
