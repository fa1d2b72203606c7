import { DomainError } from './errors.js';

/**
 * The canonical (lower-case) form of a well-shaped username, or null. Usernames per the contract:
 * 3 to 32 of a-z 0-9 . _ -, compared case-insensitively. The shape is checked before lower-casing:
 * toLowerCase maps some non-ASCII letters (the Kelvin sign) to ASCII, which would alias names.
 */
export function usernameOrNull(unchecked: string): string | null {
  const trimmed = unchecked.trim();
  return /^[A-Za-z0-9._-]{3,32}$/.test(trimmed) ? trimmed.toLowerCase() : null;
}

export function parseUsername(unchecked: string, param = 'username'): string {
  const username = usernameOrNull(unchecked);
  if (username === null) {
    throw new DomainError('invalid_request', 'Username must be 3 to 32 characters of a-z, 0-9, ".", "_" or "-".', param);
  }
  return username;
}

/**
 * A username for a new user: parseUsername's shape, and at least one letter (issue 11 class 3). A
 * name of digits alone could be mistaken for an account number, and a payee shaped like an account
 * number is only ever read as one (payee.ts). Names made before this rule keep working for sign-in
 * and are paid by account number.
 */
export function parseNewUsername(unchecked: string, param = 'username'): string {
  const username = parseUsername(unchecked, param);
  if (!/[a-z]/.test(username)) throw new DomainError('invalid_request', 'Username must contain at least one letter.', param);
  return username;
}
