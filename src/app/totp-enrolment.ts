/**
 * Turning TOTP on and off (issue 13; contract "Second factor"):
 *
 * - start: the password again (a borrowed, unlocked browser is not enough), then a new secret is
 *   stored as *pending*, sealed; an active one stays on until the new one is confirmed, so starting
 *   an enrolment never weakens the account.
 * - confirm: a current code of the pending secret turns it on, ends the old secret and its recovery
 *   codes, and issues ten new recovery codes, shown once (only their hashes are kept).
 * - disable: the password and a current code (TOTP or recovery code).
 */
import { DomainError } from '../domain/errors.js';
import { TOTP_SECRET_BYTES, totpSecretFromBytes, totpUri } from '../services/totp.js';
import {
  activatePendingTotp,
  clearTotp,
  countUnusedRecoveryCodes,
  findTotp,
  recoveryCodesLeftWhileOn,
  replaceRecoveryCodes,
  savePendingTotp,
} from '../storage/repositories/second-factor-repository.js';
import { findUserById } from '../storage/repositories/user-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { acceptSecondFactorCode, acceptTotpAgainst, recoveryCodeHash } from './second-factor-code.js';
import { recordSecurityEvent, UNKNOWN_CLIENT, type ClientInfo } from './security-events.js';
import { checkCredentials } from './sign-in.js';

export const RECOVERY_CODE_COUNT = 10;
/** 16 characters of this 32-character alphabet (no i, l, o, u to misread): 80 random bits per code. */
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const ISSUER = 'minibank';

export interface TotpEnrolment {
  /** Base32 (RFC 4648), for typing into an app. */
  secret: string;
  /** `otpauth://totp/minibank:<username>?...`, for the QR code. */
  otpauthUrl: string;
}

/** The password must be right (same message and throttle as a sign-in's re-check). */
async function checkPassword(ctx: AppContext, userId: string, password: string): Promise<string> {
  const user = await findUserById(ctx.storage.db, userId);
  if (!user) throw new DomainError('unauthenticated', 'This user no longer exists.');
  try {
    await checkCredentials(ctx, { username: user.username, password });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unauthenticated') throw new DomainError('invalid_request', 'Your password is not correct.', 'password');
    throw error;
  }
  return user.username;
}

/**
 * Starts (or restarts) an enrolment: a new secret, pending until confirmed; the app in use stays on
 * until a code of the new one confirms it (contract "Second factor": enrolling again ends the old
 * secret and its recovery codes). `currentCode`: when given (the pages always give it, '' if the
 * field was empty) and TOTP is on, a restart needs a fresh code of the app in use, as a step-up, so
 * a password plus a stolen session cannot swap in an attacker's app. The API's
 * `POST /me/mfa/totp {password}` is promised by the contract and passes `null` (no such check).
 * @throws DomainError invalid_request (param password) for a wrong password; step_up_required; rate_limited.
 */
export async function startTotpEnrolment(
  ctx: AppContext,
  userId: string,
  password: string,
  currentCode: string | null,
  client: ClientInfo = UNKNOWN_CLIENT,
): Promise<TotpEnrolment> {
  if (!ctx.secrets) throw new Error('no secret box in this context');
  const username = await checkPassword(ctx, userId, password);
  if (currentCode !== null && (await findTotp(ctx.storage.db, userId))?.secretSealed) {
    const proof = await acceptSecondFactorCode(ctx, ctx.storage.db, { userId, code: currentCode, allowRecovery: false, purpose: 'step_up', client });
    if (proof === null) throw new DomainError('step_up_required', 'Setting up a new app needs a current code from the app you use now.');
  }
  const secret = totpSecretFromBytes(ctx.random.bytes(TOTP_SECRET_BYTES));
  await savePendingTotp(ctx.storage.db, userId, ctx.secrets.seal(secret, userId), nowMsBig(ctx));
  return { secret, otpauthUrl: totpUri(secret, username, ISSUER) };
}

/** The pending secret in clear (for the settings page to show again), or null. */
export async function pendingTotpSecret(ctx: AppContext, userId: string): Promise<TotpEnrolment | null> {
  const row = await findTotp(ctx.storage.db, userId);
  const user = await findUserById(ctx.storage.db, userId);
  if (!row?.pendingSealed || !user || !ctx.secrets) return null;
  const secret = ctx.secrets.open(row.pendingSealed, userId);
  return { secret, otpauthUrl: totpUri(secret, user.username, ISSUER) };
}

/** Ten new recovery codes, `xxxx-xxxx-xxxx-xxxx`. */
function newRecoveryCodes(ctx: AppContext): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const letters = [...ctx.random.bytes(16)].map((b) => RECOVERY_ALPHABET[b & 31]).join('');
    return letters.match(/.{4}/g)!.join('-');
  });
}

/**
 * Confirms the pending secret with one of its current codes: TOTP is on, the old secret and codes end.
 * Returns the ten recovery codes (the only time they exist in clear).
 * @throws DomainError invalid_request (param otp) when nothing is pending or the code is wrong or used.
 */
export async function confirmTotpEnrolment(ctx: AppContext, userId: string, otp: string, client: ClientInfo = UNKNOWN_CLIENT): Promise<string[]> {
  const row = await findTotp(ctx.storage.db, userId);
  if (!row?.pendingSealed) throw new DomainError('invalid_request', 'Start by asking for a new secret: there is none waiting for a code.', 'otp');
  const pending = row.pendingSealed;
  if (!(await acceptTotpAgainst(ctx, ctx.storage.db, userId, pending, otp.trim()))) {
    await recordSecurityEvent(ctx, { type: 'second_factor_failed', userId, client, details: { purpose: 'confirm' } });
    throw new DomainError('invalid_request', 'That code is not right. Check the time on your phone and try the next code.', 'otp');
  }
  const codes = newRecoveryCodes(ctx);
  await ctx.storage.writeTransaction(async (trx) => {
    if (!(await activatePendingTotp(trx, userId, pending, nowMsBig(ctx)))) {
      throw new DomainError('invalid_request', 'A newer secret was asked for meanwhile: confirm that one.', 'otp');
    }
    await replaceRecoveryCodes(
      trx,
      userId,
      codes.map((c) => recoveryCodeHash(userId, c)),
      nowMsBig(ctx),
    );
    await recordSecurityEvent(ctx, { type: 'totp_enrolled', userId, client, details: { recovery_codes: codes.length } }, trx);
  });
  return codes;
}

/**
 * Turns TOTP off: needs the password and a current code (TOTP or recovery code). Recovery codes end too.
 * @throws DomainError invalid_request (param password or otp).
 */
export async function disableTotp(
  ctx: AppContext,
  userId: string,
  input: { password: string; otp: string },
  client: ClientInfo = UNKNOWN_CLIENT,
): Promise<void> {
  await checkPassword(ctx, userId, input.password);
  const row = await findTotp(ctx.storage.db, userId);
  if (!row?.secretSealed) throw new DomainError('invalid_request', 'The authenticator app is not on.', 'otp');
  const proof = await acceptSecondFactorCode(ctx, ctx.storage.db, { userId, code: input.otp, allowRecovery: true, purpose: 'disable', client });
  if (proof === null) throw new DomainError('invalid_request', 'That code is not right, or was already used.', 'otp');
  await ctx.storage.writeTransaction(async (trx) => {
    await clearTotp(trx, userId);
    await replaceRecoveryCodes(trx, userId, [], nowMsBig(ctx));
    await recordSecurityEvent(ctx, { type: 'totp_disabled', userId, client }, trx);
  });
}

/** Below this many unused recovery codes the dashboard says so (issue 13 item 5). */
export const RECOVERY_CODES_LOW = 3;

/**
 * How many recovery codes the user has left when that is fewer than RECOVERY_CODES_LOW and TOTP is
 * on (the dashboard's note), else null. One read.
 */
export async function recoveryCodesRunningLow(ctx: AppContext, userId: string): Promise<number | null> {
  const left = await recoveryCodesLeftWhileOn(ctx.storage.db, userId);
  return left !== null && left < RECOVERY_CODES_LOW ? left : null;
}

/** How many unused recovery codes the user has (the settings page; the dashboard warns below three). */
export async function unusedRecoveryCodes(ctx: AppContext, userId: string): Promise<number> {
  return countUnusedRecoveryCodes(ctx.storage.db, userId);
}
