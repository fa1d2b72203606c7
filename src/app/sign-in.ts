import { DomainError } from '../domain/errors.js';
import { findUserByUsername, updatePasswordHash } from '../storage/repositories/user-repository.js';
import { insertToken, revokeToken } from '../storage/repositories/token-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import type { UserRow } from '../storage/schema.js';

export const BAD_CREDENTIALS_MESSAGE = 'Username or password is incorrect.';

/**
 * Checks a username and password. An unknown username costs the same argon2id verification as a
 * wrong password and produces the same error, so neither the answer nor its timing says which.
 */
export async function checkCredentials(ctx: AppContext, input: { username: string; password: string }): Promise<UserRow> {
  const username = input.username.trim().toLowerCase();
  const user = username.length <= 64 ? await findUserByUsername(ctx.storage.db, username) : undefined;
  const ok = await ctx.passwords.verify(user?.password_hash, input.password);
  ctx.observer?.signIn(user && ok ? 'success' : 'failure');
  if (!user || !ok) throw new DomainError('unauthenticated', BAD_CREDENTIALS_MESSAGE);
  if (ctx.passwords.needsRehash(user.password_hash)) {
    await updatePasswordHash(ctx.storage.db, user.id, await ctx.passwords.hash(input.password));
  }
  return user;
}

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
  userId: string;
}

/** Signs in and issues a short-lived API token, recorded server-side so it can be revoked. */
export async function issueToken(ctx: AppContext, input: { username: string; password: string }): Promise<IssuedToken> {
  const user = await checkCredentials(ctx, input);
  const nowMs = ctx.clock.nowMs();
  const jti = ctx.random.uuid();
  const accessToken = await ctx.tokens.sign({ userId: user.id, jti, nowMs });
  await insertToken(ctx.storage.db, { jti, userId: user.id, createdAtMs: BigInt(nowMs), expiresAtMs: BigInt(nowMs + ctx.tokens.ttlSeconds * 1000) });
  return { accessToken, expiresInSeconds: ctx.tokens.ttlSeconds, userId: user.id };
}

export async function revokeApiToken(ctx: AppContext, jti: string): Promise<void> {
  await revokeToken(ctx.storage.db, jti, nowMsBig(ctx));
}
