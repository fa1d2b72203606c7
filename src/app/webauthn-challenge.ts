/**
 * Single-use WebAuthn challenges, kept on the server (WebAuthn section 13.4.3: a challenge is random,
 * at least 16 bytes, and checked by the relying party). Each is bound to the browser that asked: it
 * gets a fresh random cookie, and only that cookie's SHA-256 keys the row, so an assertion made in
 * another browser, or replayed after use, finds no challenge. Taking one deletes it in one statement.
 */
import crypto from 'node:crypto';
import { deleteExpiredChallenges, insertChallenge, takeChallenge as takeRow } from '../storage/repositories/webauthn-challenge-repository.js';
import { nowMsBig, type AppContext } from './context.js';

/** How long a challenge may be answered (ms): the browser dialog's own timeout is shorter. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export type ChallengePurpose = 'sign-in' | 'register' | 'step-up';

const hashOf = (cookie: string) => crypto.createHash('sha256').update(cookie, 'utf8').digest('hex');

/** 32 random bytes for a challenge (from the injected randomness, so tests can repeat one). */
export function newChallengeBytes(ctx: Pick<AppContext, 'random'>) {
  return new Uint8Array(ctx.random.bytes(32));
}

/**
 * Stores `challenge` (base64url, as sent to the browser) for `purpose` and `userId` (null for a
 * sign-in); returns the cookie value (256 random bits) the browser must send back with the answer.
 * Expired challenges of everyone are swept in the same transaction.
 */
export async function storeChallenge(ctx: AppContext, purpose: ChallengePurpose, userId: string | null, challenge: string): Promise<string> {
  const cookie = ctx.random.bytes(32).toString('base64url');
  const nowMs = nowMsBig(ctx);
  await ctx.storage.writeTransaction(async (trx) => {
    await deleteExpiredChallenges(trx, nowMs);
    await insertChallenge(trx, {
      id_hash: hashOf(cookie),
      challenge,
      purpose,
      user_id: userId,
      created_at: nowMs,
      expires_at: nowMs + BigInt(CHALLENGE_TTL_MS),
    });
  });
  return cookie;
}

/**
 * The challenge this browser's cookie holds for `purpose`, deleted as it is read; null when there is
 * none (no cookie, already used, expired, or issued for something else).
 */
export async function takeChallenge(
  ctx: AppContext,
  cookie: string | null,
  purpose: ChallengePurpose,
): Promise<{ challenge: string; userId: string | null } | null> {
  if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
  const row = await ctx.storage.writeTransaction((trx) => takeRow(trx, hashOf(cookie), purpose, nowMsBig(ctx)));
  return row ? { challenge: row.challenge, userId: row.user_id } : null;
}
