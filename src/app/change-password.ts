import { DomainError } from '../domain/errors.js';
import { deleteOtherSessions, moveSessionToGeneration } from '../storage/repositories/session-repository.js';
import { revokeAllApiTokens } from './revoke-token.js';
import { findUserById, replacePassword } from '../storage/repositories/user-repository.js';
import type { AppContext } from './context.js';
import { normalizePassword } from '../services/password-hasher.js';
import { checkPassword } from './password-policy.js';
import { recordSecurityEvent, UNKNOWN_CLIENT, type ClientInfo } from './security-events.js';
import { checkCredentials } from './sign-in.js';
import { acceptSecondFactorCode } from './second-factor-code.js';
import { secondFactorStatus } from './second-factor-status.js';
import type { User } from '../storage/repositories/user-repository.js';

/**
 * Changes a signed-in user's password. The current password is required (a borrowed, unlocked
 * browser is not enough); afterwards every other session and every API token of the user is dead,
 * in the same transaction as the new hash, so a thief holding either is out at once.
 *
 * The same transaction starts a new password generation (issue 11 class 1), compare-and-set against
 * the generation the current password was checked with: a credential whose check raced this change
 * is refused at issue or dead at use, and of two racing changes only the first wins (the other gets
 * "current password is not correct", which by then it is not). This session moves to the new
 * generation and stays signed in.
 */
export async function changePassword(
  ctx: AppContext,
  input: { userId: string; currentSessionIdHash: string; currentPassword: string; newPassword: string; code?: string },
  client: ClientInfo = UNKNOWN_CLIENT,
): Promise<void> {
  const user = await findUserById(ctx.storage.db, input.userId);
  if (!user) throw new DomainError('unauthenticated', 'This user no longer exists.');
  let checked: User;
  try {
    checked = await checkCredentials(ctx, { username: user.username, password: input.currentPassword });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unauthenticated') {
      throw wrongCurrentPassword();
    }
    throw error;
  }
  // Issue 13: with TOTP on, a change also needs a code (TOTP or recovery code). Only then: a
  // passkey-only user has no code to type (the page asks for none), so asking would lock them out.
  if ((await secondFactorStatus(ctx, ctx.storage.db, user.id)).totp) {
    const proof = await acceptSecondFactorCode(ctx, ctx.storage.db, {
      userId: user.id,
      code: input.code ?? '',
      allowRecovery: true,
      purpose: 'password_change',
      client,
    });
    if (proof === null) throw new DomainError('invalid_request', 'Enter a current code from your authenticator app, or a recovery code.', 'password_code');
  }
  await checkPassword(input.newPassword, user.username, 'new_password');
  if (normalizePassword(input.newPassword) === normalizePassword(input.currentPassword)) {
    throw new DomainError('invalid_request', 'Choose a password different from the current one.', 'new_password');
  }
  const hash = await ctx.passwords.hash(input.newPassword);
  await ctx.storage.writeTransaction(async (trx) => {
    const generation = await replacePassword(trx, user.id, BigInt(checked.password_generation), hash);
    if (generation === null) throw wrongCurrentPassword();
    await moveSessionToGeneration(trx, input.currentSessionIdHash, generation);
    const ended = await deleteOtherSessions(trx, user.id, input.currentSessionIdHash);
    await revokeAllApiTokens(ctx, trx, user.id);
    await recordSecurityEvent(ctx, { type: 'password_changed', userId: user.id, client, details: { other_sessions_ended: ended } }, trx);
  });
}

const wrongCurrentPassword = () => new DomainError('invalid_request', 'Your current password is not correct.', 'current_password');
