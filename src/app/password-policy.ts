import { DomainError } from '../domain/errors.js';

export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_CHARS = 256;

/**
 * Length limits in code points; any characters allowed and nothing truncated or altered. The
 * security issue extends this with a breached/common-password check.
 */
export function checkPassword(password: string, username: string, param = 'password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_CHARS) throw new DomainError('invalid_request', `Password must be at least ${PASSWORD_MIN_CHARS} characters.`, param);
  if (length > PASSWORD_MAX_CHARS) throw new DomainError('invalid_request', `Password must be at most ${PASSWORD_MAX_CHARS} characters.`, param);
  if (password.toLowerCase() === username.toLowerCase()) throw new DomainError('invalid_request', 'Password cannot be your username.', param);
}
