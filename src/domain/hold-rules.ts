/**
 * The rules of a hold, a two-phase transfer (issue 14 item 2; contract "Holds (round 2)"). Pure.
 * A hold reserves part of the payer's available balance for a payee (movement-rules' `covers` on
 * balance - held); the payee captures all or part of it once, or voids it; at its expiry it lapses.
 */
import { DomainError } from './errors.js';

/** Bounds and default of `expires_in`, in seconds (contract: 60..2592000, default 604800 = 7 days). */
export const HOLD_EXPIRES_IN_MIN_S = 60;
export const HOLD_EXPIRES_IN_MAX_S = 2_592_000;
export const HOLD_EXPIRES_IN_DEFAULT_S = 604_800;

/**
 * When a hold placed at `nowMs` (epoch ms) with `expiresInS` seconds (undefined: the default) expires, in epoch ms.
 * @throws DomainError invalid_request (param expires_in) outside 60..2592000 or not a whole number.
 */
export function holdExpiresAtMs(nowMs: bigint, expiresInS: number | undefined): bigint {
  const seconds = expiresInS ?? HOLD_EXPIRES_IN_DEFAULT_S;
  if (!Number.isSafeInteger(seconds) || seconds < HOLD_EXPIRES_IN_MIN_S || seconds > HOLD_EXPIRES_IN_MAX_S) {
    throw new DomainError(
      'invalid_request',
      `expires_in is a whole number of seconds from ${HOLD_EXPIRES_IN_MIN_S} to ${HOLD_EXPIRES_IN_MAX_S}.`,
      'expires_in',
    );
  }
  return nowMs + BigInt(seconds) * 1000n;
}

/**
 * The amount a capture moves (minor units): `requestedMinor`, or the whole hold when none is given.
 * @throws DomainError amount_exceeds_hold (param amount) above the held amount (contract: 422).
 */
export function captureAmount(holdMinor: bigint, requestedMinor: bigint | undefined): bigint {
  const amount = requestedMinor ?? holdMinor;
  if (amount > holdMinor) throw new DomainError('amount_exceeds_hold', `A capture can take at most the ${holdMinor} minor units on hold.`, 'amount');
  return amount;
}

/** A hold that was already captured, voided or expired (contract: 409 hold_not_pending). */
export const holdNotPending = () => new DomainError('hold_not_pending', 'This hold is no longer pending: it was captured, voided or has expired.');

/** A hold that does not exist or that the asker may not act on: never told apart (contract: 404). */
export const holdNotFound = () => new DomainError('not_found', 'No such hold.');
