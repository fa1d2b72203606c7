/**
 * TOTP (RFC 6238) through `otpauth`: 6 digits, 30-second steps, HMAC-SHA-1 (what every
 * authenticator app reads), and one step of clock drift either way (RFC 6238 section 5.2). This
 * adapter only computes; which step a user may still use is the app's rule (src/app/totp-code.ts).
 */
import crypto from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_ALGORITHM = 'SHA1';
/** Steps of drift accepted each way. */
export const TOTP_WINDOW = 1;
/** 160-bit secrets, the HMAC-SHA-1 key size RFC 4226 section 4 recommends. */
export const TOTP_SECRET_BYTES = 20;

/** The time step (RFC 6238 T) that `nowMs` falls in. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** A new secret as base32 (RFC 4648, no padding) from `bytes` random bytes. */
export function totpSecretFromBytes(bytes: Buffer): string {
  return new Secret({ buffer: Uint8Array.from(bytes).buffer }).base32;
}

/** The code for `step` under `secretBase32` (6 digits, SHA-1). */
export function totpCodeAt(secretBase32: string, step: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(secretBase32), algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, counter: step });
}

/**
 * The time step, within TOTP_WINDOW of `nowMs`'s, whose code equals `code`, or null. Compared in
 * constant time. Anything but exactly 6 ASCII digits is null without computing a code.
 */
export function matchingTotpStep(secretBase32: string, code: string, nowMs: number): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const now = totpStep(nowMs);
  let found: number | null = null;
  for (let step = now - TOTP_WINDOW; step <= now + TOTP_WINDOW; step++) {
    const expected = totpCodeAt(secretBase32, step);
    // The latest matching step wins; every step is computed so timing does not say which matched.
    if (crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(code))) found = step;
  }
  return found;
}

/** The `otpauth://totp/...` URI authenticator apps read from a QR code (Key Uri Format). */
export function totpUri(secretBase32: string, account: string, issuer: string): string {
  return new TOTP({
    issuer,
    label: account,
    secret: Secret.fromBase32(secretBase32),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}
