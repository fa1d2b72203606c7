/**
 * Checking a code a user typed as their second factor: a TOTP code from their authenticator app, or
 * (where allowed) one of their recovery codes. Each TOTP time step is accepted at most once per user,
 * whatever it was used for (RFC 6238 section 5.2; contract "Second factor"), and each recovery code
 * once: both by conditional UPDATEs (second-factor-repository.ts), so parallel uses of one code
 * cannot both pass. Every refusal and every recovery code used is a security event.
 */
import crypto from 'node:crypto';
import { RateLimitedError } from '../domain/errors.js';
import { matchingTotpStep } from '../services/totp.js';
import { countUnusedRecoveryCodes, findTotp, takeTotpStep, useRecoveryCode } from '../storage/repositories/second-factor-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { FAILURE_MEMORY_MS } from './login-throttle.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';

/** Characters in a recovery code without its dashes (recovery codes: totp-enrolment.ts). */
export const RECOVERY_CODE_LENGTH = 16;

export type SecondFactorProof = 'totp' | 'recovery_code';

/** Why a code is being checked (kept on the failure event). */
export type CodePurpose = 'sign_in' | 'step_up' | 'confirm' | 'disable' | 'password_change';

/**
 * The stored form of a recovery code: SHA-256 over the user id and the normalised code. A fast hash
 * is enough here, unlike for passwords: each code is 80 random bits (recovery-codes.ts), so no
 * dictionary or brute force over the hashes is feasible, and slow hashing would only cost CPU.
 * Binding the user id means a code can only ever be used by the user it was issued to.
 */
export function recoveryCodeHash(userId: string, code: string): string {
  return crypto
    .createHash('sha256')
    .update(`minibank recovery code\u0000${userId}\u0000${normaliseRecoveryCode(code)}`)
    .digest('hex');
}

/** Lower case, without spaces or dashes: how people copy codes varies, the code does not. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/**
 * True when `code` is the current TOTP code (±1 step) of `sealedSecret` and its step is greater
 * than any step this user has used; that step is then used up. The secret is opened here only.
 */
export async function acceptTotpAgainst(ctx: AppContext, db: Db | Trx, userId: string, sealedSecret: string, code: string): Promise<boolean> {
  if (!ctx.secrets) throw new Error('no secret box in this context');
  const secret = ctx.secrets.open(sealedSecret, userId);
  const step = matchingTotpStep(secret, code.replace(/\s/g, ''), ctx.clock.nowMs());
  if (step === null) return false;
  return takeTotpStep(db, userId, BigInt(step));
}

/** The login throttle's key for codes typed by a signed-in user (step-up, turning off, a password change). */
export const codeThrottleKey = (userId: string) => `2fa:${userId}`;

/**
 * Codes typed outside a sign-in are guessed against the same counter as passwords (issue 13 item 2,
 * ASVS V6.3.1 / RFC 6238 section 5.2): a stolen session or token must not try a million step-up
 * codes at the route's rate limit. Reserved before the check, atomically with the wait (issue 11
 * class 2), so codes sent together cannot pass the limit together. Sign-ins reserve their own key.
 * @throws RateLimitedError while this user's codes must wait.
 */
async function reserveCodeTry(ctx: AppContext, userId: string, purpose: CodePurpose): Promise<string | null> {
  const throttle = ctx.security?.throttle ?? null;
  if (!throttle || purpose === 'sign_in') return null;
  const key = codeThrottleKey(userId);
  const waitMs = await throttle.counter.reserve(key, ctx.clock.nowMs(), FAILURE_MEMORY_MS, throttle.policy);
  if (waitMs > 0) throw new RateLimitedError(waitMs / 1000, 'Too many wrong codes. Wait a moment and try again.');
  return key;
}

/**
 * Checks a second-factor code for `userId`: their active TOTP, then (when `allowRecovery`) a recovery
 * code. Returns which one passed, or null; a null is recorded as `second_factor_failed`, a recovery
 * code as `recovery_code_used` (with how many are left). Empty codes are refused without an event.
 * Outside a sign-in each try counts on the login throttle (reserveCodeTry) until one passes.
 * @throws RateLimitedError (429) while too many wrong codes make this user wait.
 */
export async function acceptSecondFactorCode(
  ctx: AppContext,
  db: Db | Trx,
  input: { userId: string; code: string; allowRecovery: boolean; purpose: CodePurpose; client: ClientInfo },
): Promise<SecondFactorProof | null> {
  const code = input.code.trim().slice(0, 64);
  if (code === '') return null;
  const throttleKey = await reserveCodeTry(ctx, input.userId, input.purpose);
  const proof = await checkCode(ctx, db, input, code);
  if (proof !== null && throttleKey !== null) await ctx.security?.throttle?.counter.clear(throttleKey);
  return proof;
}

async function checkCode(
  ctx: AppContext,
  db: Db | Trx,
  input: { userId: string; allowRecovery: boolean; purpose: CodePurpose; client: ClientInfo },
  code: string,
): Promise<SecondFactorProof | null> {
  const totp = await findTotp(db, input.userId);
  if (totp?.secretSealed && (await acceptTotpAgainst(ctx, db, input.userId, totp.secretSealed, code))) return 'totp';
  if (
    input.allowRecovery &&
    normaliseRecoveryCode(code).length === RECOVERY_CODE_LENGTH &&
    (await useRecoveryCode(db, input.userId, recoveryCodeHash(input.userId, code), nowMsBig(ctx)))
  ) {
    const left = await countUnusedRecoveryCodes(db, input.userId);
    await recordSecurityEvent(
      ctx,
      { type: 'recovery_code_used', userId: input.userId, client: input.client, details: { purpose: input.purpose, codes_left: left } },
      db,
    );
    return 'recovery_code';
  }
  await recordSecurityEvent(ctx, { type: 'second_factor_failed', userId: input.userId, client: input.client, details: { purpose: input.purpose } }, db);
  return null;
}
