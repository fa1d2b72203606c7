import { DomainError } from './errors.js';

/** Usernames per the contract: 3 to 32 of a-z 0-9 . _ -, compared case-insensitively (stored lower-case). */
export function parseUsername(unchecked: string, param = 'username'): string {
  // Checked before lower-casing: toLowerCase maps some non-ASCII letters (the Kelvin sign) to ASCII.
  const trimmed = unchecked.trim();
  if (!/^[A-Za-z0-9._-]{3,32}$/.test(trimmed)) {
    throw new DomainError('invalid_request', 'Username must be 3 to 32 characters of a-z, 0-9, ".", "_" or "-".', param);
  }
  return trimmed.toLowerCase();
}
