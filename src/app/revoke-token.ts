/**
 * Token revocation, the one home (issue 12 item 3): an API access token stops working the moment
 * it is revoked, because every request reads its row (authenticate-token.ts: revoked, expired or
 * of an older password generation is 401). Revoking stamps `revoked_at`; the row is kept until it
 * expires so the audit trail and a replayed token both still meet it.
 */
import { revokeAllTokensOfUser, revokeToken } from '../storage/repositories/token-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';

/**
 * Revokes one token by its `jti` (POST /api/v1/auth/logout). Revoking an unknown or already revoked
 * token is a no-op. With `by`, records a `token_revoked` audit event for that user and client.
 */
export async function revokeApiToken(ctx: AppContext, jti: string, by?: { userId: string; client: ClientInfo }): Promise<void> {
  await revokeToken(ctx.storage.db, jti, nowMsBig(ctx));
  if (by) await recordSecurityEvent(ctx, { type: 'token_revoked', userId: by.userId, client: by.client });
}

/**
 * Revokes every live token of the user, inside the caller's transaction (a password change, "sign
 * out everywhere else": issue 11 class 1). Returns how many were live. The caller records the event.
 */
export async function revokeAllApiTokens(ctx: Pick<AppContext, 'clock'>, trx: Trx, userId: string): Promise<number> {
  return revokeAllTokensOfUser(trx, userId, nowMsBig(ctx));
}
