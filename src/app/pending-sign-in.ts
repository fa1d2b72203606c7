/**
 * The web's two-page sign-in with a second factor (issue 13): after the right password the browser
 * is only *half* signed in. It gets its own random cookie (256 bits; only the SHA-256 is stored,
 * pending-sign-in-repository.ts), valid SECOND_FACTOR_PENDING_MINUTES, which no other page and not
 * the API reads: it is not a session. It ends on success (single use), on expiry, and after
 * SECOND_FACTOR_PENDING_TRIES wrong codes. Each code tried is reserved on the login throttle's key
 * of the password step before it is checked (issue 11 class 2), so wrong codes count like wrong
 * passwords, and the password step's own attempt stays counted until a code completes the sign-in.
 */
import { DomainError, isDomainError, RateLimitedError } from '../domain/errors.js';
import { countPasskeysOfUser } from '../storage/repositories/passkey-repository.js';
import {
  countPendingFailure,
  deletePendingSignIn,
  findPendingSignIn,
  insertPendingSignIn,
  type PendingSignInRow,
} from '../storage/repositories/pending-sign-in-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { FAILURE_MEMORY_MS } from './login-throttle.js';
import { PASSKEY_REFUSED_MESSAGE } from './passkey-assertion.js';
import type { RelyingParty } from './passkey-relying-party.js';
import { beginPasskeyAssertion, finishPasskeyAssertion } from './passkey-sign-in.js';
import { acceptSecondFactorCode } from './second-factor-code.js';
import { recordSecurityEvent, type ClientInfo, type SecurityEventInput } from './security-events.js';
import { hashSessionId, looksLikeSessionId, newSessionId } from './session-id.js';
import { clearThrottle } from './sign-in.js';

export const WRONG_CODE_MESSAGE = 'That code is not right, or was already used. Try the next code from your app, or a recovery code.';

/** Starts the half-signed-in state; returns the cookie value (never stored) and its lifetime in seconds. */
export async function startPendingSignIn(
  ctx: AppContext,
  input: { userId: string; passwordGeneration: bigint; throttleKey: string; nextPath: string | null },
): Promise<{ id: string; maxAgeSeconds: number }> {
  const id = newSessionId(ctx);
  const nowMs = nowMsBig(ctx);
  const maxAgeSeconds = ctx.config.secondFactorPendingMinutes * 60;
  await insertPendingSignIn(ctx.storage.db, { idHash: hashSessionId(id), ...input, nowMs, expiresAtMs: nowMs + BigInt(maxAgeSeconds * 1000) });
  return { id, maxAgeSeconds };
}

/** The live half-signed-in state behind this cookie value, or undefined. */
export async function findPending(ctx: AppContext, id: string | null | undefined): Promise<PendingSignInRow | undefined> {
  if (!id || !looksLikeSessionId(id)) return undefined;
  return findPendingSignIn(ctx.storage.db, hashSessionId(id), nowMsBig(ctx));
}

/**
 * Completes the sign-in with a TOTP or recovery code. Returns the state (user, password generation
 * to start the session against, next path); the state is gone afterwards.
 * @throws DomainError unauthenticated (the state is gone or expired: start again, param undefined;
 * or a wrong code, param `code`); RateLimitedError while the login throttle makes this key wait.
 */
export async function completePendingSignIn(ctx: AppContext, id: string | null | undefined, code: string, client: ClientInfo): Promise<PendingSignInRow> {
  const pending = await findPending(ctx, id);
  if (!pending || !id) throw new DomainError('unauthenticated', 'Your sign-in took too long or was ended. Sign in again.');
  const idHash = hashSessionId(id);
  const throttle = ctx.security?.throttle ?? null;
  if (throttle) {
    const waitMs = await throttle.counter.reserve(pending.throttleKey, ctx.clock.nowMs(), FAILURE_MEMORY_MS, throttle.policy);
    if (waitMs > 0) throw new RateLimitedError(waitMs / 1000, 'Too many failed sign-in attempts for this username. Wait a moment and try again.');
  }
  const proof = await acceptSecondFactorCode(ctx, ctx.storage.db, { userId: pending.userId, code, allowRecovery: true, purpose: 'sign_in', client });
  if (proof === null) {
    await countPendingFailure(ctx.storage.db, idHash, ctx.config.secondFactorPendingTries);
    throw new DomainError('unauthenticated', WRONG_CODE_MESSAGE, 'code');
  }
  // Single use: of two right codes racing, only the one that deletes the row signs in.
  if (!(await deletePendingSignIn(ctx.storage.db, idHash)))
    throw new DomainError('unauthenticated', 'This sign-in was already completed or ended. Sign in again.');
  await clearThrottle(ctx, pending.throttleKey);
  const succeeded: SecurityEventInput = { type: 'login_succeeded', userId: pending.userId, client, details: { second_factor: proof } };
  await recordSecurityEvent(ctx, succeeded);
  return pending;
}

/**
 * The passkey option of the second step (issue 13 item 2): request options offering only the
 * passkeys of the user whose password was right, and the challenge cookie. Null when the
 * half-signed-in state is gone or the user has no passkey.
 */
export async function beginPendingPasskey(
  ctx: AppContext,
  id: string | null | undefined,
  rp: RelyingParty,
): Promise<Awaited<ReturnType<typeof beginPasskeyAssertion>> | null> {
  const pending = await findPending(ctx, id);
  if (!pending || (await countPasskeysOfUser(ctx.storage.db, pending.userId)) === 0) return null;
  return beginPasskeyAssertion(ctx, rp, pending.userId);
}

/**
 * Completes the sign-in with an assertion by one of the pending user's passkeys (user verification
 * required, as for any passkey). A refused assertion counts as a wrong code on the state (it ends
 * after SECOND_FACTOR_PENDING_TRIES); it needs no throttle reservation: an assertion cannot be
 * guessed. Returns the state, which is gone afterwards (single use, as for a code).
 * @throws DomainError unauthenticated (param `passkey` for a refused assertion; none when the state is gone).
 */
export async function completePendingSignInWithPasskey(
  ctx: AppContext,
  id: string | null | undefined,
  answer: { cookie: string | null; response: Record<string, unknown> | null },
  rp: RelyingParty,
  client: ClientInfo,
): Promise<PendingSignInRow> {
  const pending = await findPending(ctx, id);
  if (!pending || !id) throw new DomainError('unauthenticated', 'Your sign-in took too long or was ended. Sign in again.');
  const idHash = hashSessionId(id);
  try {
    await finishPasskeyAssertion(ctx, { ...answer, userId: pending.userId, purpose: 'second-factor' }, rp, client);
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'unauthenticated') throw error;
    await countPendingFailure(ctx.storage.db, idHash, ctx.config.secondFactorPendingTries);
    throw new DomainError('unauthenticated', PASSKEY_REFUSED_MESSAGE, 'passkey');
  }
  if (!(await deletePendingSignIn(ctx.storage.db, idHash)))
    throw new DomainError('unauthenticated', 'This sign-in was already completed or ended. Sign in again.');
  await clearThrottle(ctx, pending.throttleKey);
  await recordSecurityEvent(ctx, { type: 'login_succeeded', userId: pending.userId, client, details: { second_factor: 'passkey' } });
  return pending;
}

/** Ends the half-signed-in state (Cancel, or a new password step). */
export async function cancelPendingSignIn(ctx: AppContext, id: string | null | undefined): Promise<void> {
  if (id && looksLikeSessionId(id)) await deletePendingSignIn(ctx.storage.db, hashSessionId(id));
}
