import { DomainError } from '../domain/errors.js';
import { deleteOtherSessions } from '../storage/repositories/session-repository.js';
import { revokeAllTokensOfUser } from '../storage/repositories/token-repository.js';
import { findUserById, updatePasswordHash } from '../storage/repositories/user-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { checkPassword } from './password-policy.js';
import { recordSecurityEvent, UNKNOWN_CLIENT, type ClientInfo } from './security-events.js';
import { checkCredentials } from './sign-in.js';

/**
 * Changes a signed-in user's password. The current password is required (a borrowed, unlocked
 * browser is not enough); afterwards every other session and every API token of the user is dead,
 * in the same transaction as the new hash, so a thief holding either is out at once.
 */
export async function changePassword(
  ctx: AppContext,
  input: { userId: string; currentSessionIdHash: string; currentPassword: string; newPassword: string },
  client: ClientInfo = UNKNOWN_CLIENT,
): Promise<void> {
  const user = await findUserById(ctx.storage.db, input.userId);
  if (!user) throw new DomainError('unauthenticated', 'This user no longer exists.');
  try {
    await checkCredentials(ctx, { username: user.username, password: input.currentPassword });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unauthenticated') {
      throw new DomainError('invalid_request', 'Your current password is not correct.', 'current_password');
    }
    throw error;
  }
  await checkPassword(input.newPassword, user.username, 'new_password');
  if (input.newPassword === input.currentPassword) {
    throw new DomainError('invalid_request', 'Choose a password different from the current one.', 'new_password');
  }
  const hash = await ctx.passwords.hash(input.newPassword);
  await ctx.storage.writeTransaction(async (trx) => {
    await updatePasswordHash(trx, user.id, hash);
    const ended = await deleteOtherSessions(trx, user.id, input.currentSessionIdHash);
    await revokeAllTokensOfUser(trx, user.id, nowMsBig(ctx));
    await recordSecurityEvent(ctx, { type: 'password_changed', userId: user.id, client, details: { other_sessions_ended: ended } }, trx);
  });
}
