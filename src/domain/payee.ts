/**
 * How a payee typed by a person (`to` of a transfer, the payees lookup) is read (issue 11 class 3,
 * contract "JSON API"): anything shaped like an account number, digits with optional spaces,
 * dashes, dots or underscores, is only ever an account number. One that fails its check digits is a
 * typo and is refused; it is never retried as a username, so a mistyped number cannot pay someone whose username happens
 * to be that typo. Everything else is read as a username.
 */
import { parseAccountNumber } from './account-number.js';
import { DomainError } from './errors.js';
import { usernameOrNull } from './username.js';

export type PayeeReference = { accountNumber: string } | { username: string } | { nothing: true };

/**
 * Digits of any script, with spaces, dashes, dots or underscores of any kind between them (what
 * people paste). Dots and underscores count because a username could always hold them: a legacy
 * user named `8596.7788.0516` must not be paid by someone mistyping `8596.7788.0515`.
 */
const NUMBER_SHAPED = /^[\p{Nd}\s\p{Pd}\p{Pc}.]*\p{Nd}[\p{Nd}\s\p{Pd}\p{Pc}.]*$/u;

/** The separators NUMBER_SHAPED allows beyond parseAccountNumber's spaces and dashes. */
const DOTS_AND_UNDERSCORES = /[.\p{Pc}]/gu;

/** True when `text` looks like an account number to a person, whether or not its check digits hold. */
export function isAccountNumberShaped(text: string): boolean {
  return NUMBER_SHAPED.test(text);
}

/**
 * Reads a payee: `{accountNumber}` (canonical 12 digits), `{username}` (lower-cased), or `{nothing}`
 * when it cannot name anyone (the caller answers 404 as for an unknown payee).
 * @throws DomainError invalid_request (param) for a number-shaped payee that is not a valid account number.
 */
export function parsePayee(text: string, param = 'to'): PayeeReference {
  if (isAccountNumberShaped(text)) {
    const accountNumber = parseAccountNumber(text.replace(DOTS_AND_UNDERSCORES, ' '));
    if (accountNumber === null) {
      throw new DomainError('invalid_request', 'That is not a valid account number: check the account number and try again.', param);
    }
    return { accountNumber };
  }
  const username = usernameOrNull(text);
  return username === null ? { nothing: true } : { username };
}
