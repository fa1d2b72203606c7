import { DomainError } from './errors.js';

export const ACCOUNT_NAME_MAX_CHARS = 40;

/**
 * An account's name as its owner types it (issue 14 item 1; contract "Accounts (round 2)": 1-40
 * characters). Surrounding spaces are dropped; what is left must be 1..40 code points with no
 * control characters, line breaks, or bidi overrides and isolates (the memo rule: a name shown on a
 * page or a statement must read as it was stored). Migration 009's CHECK holds the length too.
 * @throws DomainError invalid_request with `param` (default "name").
 */
export function parseAccountName(unchecked: string, param = 'name'): string {
  const name = unchecked.trim();
  const length = [...name].length;
  if (length < 1 || length > ACCOUNT_NAME_MAX_CHARS) {
    throw new DomainError('invalid_request', `An account name is 1 to ${ACCOUNT_NAME_MAX_CHARS} characters.`, param);
  }
  if (/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(name)) {
    throw new DomainError('invalid_request', 'An account name cannot contain control characters or line breaks.', param);
  }
  return name;
}

/** The name an account gets when its owner gives none: the first is "Main", later ones say their currency. */
export function defaultAccountName(currency: string, isFirst: boolean): string {
  return isFirst ? 'Main' : `${currency} account`;
}
