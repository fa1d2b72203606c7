import { DomainError } from '../domain/errors.js';
import { deleteOtherSessions, deleteSession, deleteSessionByHandle } from '../storage/repositories/session-repository.js';
import type { AppContext } from './context.js';
import { revokeAllApiTokens } from './revoke-token.js';
import { recordSecurityEvent, UNKNOWN_CLIENT, type ClientInfo } from './security-events.js';

/** Sign-out: ends this browser's session only; the user's other sessions live on. */
export async function endSession(ctx: AppContext, idHash: string, by?: { userId: string; client: ClientInfo }): Promise<void> {
  await deleteSession(ctx.storage.db, idHash);
  if (by) await recordSecurityEvent(ctx, { type: 'logged_out', userId: by.userId, client: by.client });
}

/** Ends one of the user's own sessions, named by its handle; someone else's is `not_found`. */
export async function revokeSession(ctx: AppContext, userId: string, handle: string, client: ClientInfo = UNKNOWN_CLIENT): Promise<void> {
  // Handles are ours (16 base64url characters); anything else never reaches the database.
  const deleted = /^[A-Za-z0-9_-]{16}$/.test(handle) && (await deleteSessionByHandle(ctx.storage.db, userId, handle));
  if (!deleted) throw new DomainError('not_found', 'That session has already ended.', 'session');
  await recordSecurityEvent(ctx, { type: 'session_revoked', userId, client, details: { sessions: 1 } });
}

/**
 * "Sign out everywhere else": every session of the user but the current one, and every API token of
 * the user (issue 11 class 1: a token is signed in somewhere else too), in one transaction.
 * Returns how many of each ended.
 */
export async function revokeOtherSessions(
  ctx: AppContext,
  userId: string,
  currentIdHash: string,
  client: ClientInfo = UNKNOWN_CLIENT,
): Promise<{ sessions: number; apiTokens: number }> {
  return ctx.storage.writeTransaction(async (trx) => {
    const sessions = await deleteOtherSessions(trx, userId, currentIdHash);
    const apiTokens = await revokeAllApiTokens(ctx, trx, userId);
    if (sessions > 0 || apiTokens > 0)
      await recordSecurityEvent(ctx, { type: 'session_revoked', userId, client, details: { sessions, api_tokens: apiTokens } }, trx);
    return { sessions, apiTokens };
  });
}
