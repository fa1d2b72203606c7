import { DomainError } from './errors.js';

/** Usernames per the contract: 3 to 32 of a-z 0-9 . _ -, compared case-insensitively (stored lower-case). */
export function parseUsername(unchecked: string, param = 'username'): string {
  const username = unchecked.trim().toLowerCase();
  if (!/^[a-z0-9._-]{3,32}$/.test(username)) {
    throw new DomainError('invalid_request', 'Username must be 3 to 32 characters of a-z, 0-9, ".", "_" or "-".', param);
  }
  return username;
}
