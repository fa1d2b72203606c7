import { DomainError } from '../domain/errors.js';
import { deleteOtherSessions, deleteSession, deleteSessionByHandle } from '../storage/repositories/session-repository.js';
import type { AppContext } from './context.js';

/** Sign-out: ends this browser's session only; the user's other sessions live on. */
export async function endSession(ctx: AppContext, idHash: string): Promise<void> {
  await deleteSession(ctx.storage.db, idHash);
}

/** Ends one of the user's own sessions, named by its handle; someone else's is `not_found`. */
export async function revokeSession(ctx: AppContext, userId: string, handle: string): Promise<void> {
  const deleted = handle.length <= 64 && (await deleteSessionByHandle(ctx.storage.db, userId, handle));
  if (!deleted) throw new DomainError('not_found', 'That session has already ended.', 'session');
}

/** "Sign out everywhere else": every session of the user but the current one. */
export async function revokeOtherSessions(ctx: AppContext, userId: string, currentIdHash: string): Promise<number> {
  return deleteOtherSessions(ctx.storage.db, userId, currentIdHash);
}
