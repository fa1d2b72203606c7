/**
 * Password reset links (issue 18 item 4; contract "Recovery and notifications (round 2)"): making
 * one and judging one. A token is 256 random bits (base64url); only its SHA-256 is stored
 * (password_resets.token_hash), so the database never holds a working link. A fast hash suffices:
 * the token is random, not a human secret, so no dictionary applies.
 */
import crypto from 'node:crypto';
import { findPasswordReset, type PasswordResetRecord } from '../storage/repositories/password-reset-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { publicLink } from './public-link.js';

/** An emailed link works this long (issue 18 item 4). */
export const EMAILED_RESET_MINUTES = 30;
/** A link support staff issue works this long (issue 18 item 4). */
export const STAFF_RESET_MINUTES = 60;
/** The page an emailed or staff-issued link opens. */
export const RESET_PAGE_PATH = '/reset-password';
/** Tokens longer than this are not looked up (a token is 43 characters). */
const MAX_TOKEN_CHARS = 128;

/** SHA-256 (hex) of a token, its stored form. */
export const resetTokenHash = (token: string): string => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

/** A new token, its hash and its link (PUBLIC_URL + /reset-password?token=…, never a request's Host). */
export function newResetToken(ctx: AppContext): { token: string; tokenHash: string; link: string } {
  const token = ctx.random.bytes(32).toString('base64url');
  return { token, tokenHash: resetTokenHash(token), link: publicLink(ctx.config, RESET_PAGE_PATH, { token }) };
}

/** Why a link does not work (kept on the password_reset_failed event, never shown apart). */
export type ResetRefusal = 'unknown' | 'ended' | 'expired' | 'password_changed' | 'email_changed';

export type ResetLookup = { ok: true; reset: PasswordResetRecord } | { ok: false; why: ResetRefusal; reset: PasswordResetRecord | null };

/**
 * Judges a token as of now: it must be known, not ended (used, replaced by a newer one, too many
 * wrong codes), not expired, and its user's password generation and confirmed address must be the
 * ones it was issued against (a password change or an email change ends every older link).
 */
export async function lookUpResetToken(ctx: AppContext, db: Db | Trx, token: string): Promise<ResetLookup> {
  if (token === '' || token.length > MAX_TOKEN_CHARS) return { ok: false, why: 'unknown', reset: null };
  const reset = await findPasswordReset(db, resetTokenHash(token));
  if (!reset) return { ok: false, why: 'unknown', reset: null };
  if (reset.endedAtMs !== null) return { ok: false, why: 'ended', reset };
  if (reset.expiresAtMs <= BigInt(ctx.clock.nowMs())) return { ok: false, why: 'expired', reset };
  if (reset.currentGeneration !== reset.passwordGeneration) return { ok: false, why: 'password_changed', reset };
  if (reset.currentEmail !== reset.email) return { ok: false, why: 'email_changed', reset };
  return { ok: true, reset };
}
