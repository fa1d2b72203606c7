/**
 * The rule for an email address a user may give (issue 18): one plain `local@domain`, at most 254
 * characters (RFC 5321 4.5.3.1.3), nothing that could end a mail header or start another (CR, LF,
 * any control character, NUL: header injection), no display names, lists or comments (`<>,;"()`),
 * no spaces. Compared and stored lower-cased in its domain part only (the local part may be
 * case-sensitive, RFC 5321 2.4).
 */
import { DomainError } from './errors.js';

const MAX_LENGTH = 254;
const SHAPE = /^[^\s@<>,;"()[\]\\]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * The address in its stored form.
 * @throws DomainError invalid_request (param "email") for anything else.
 */
export function checkEmailAddress(unchecked: string): string {
  // Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(unchecked)) throw invalid('An email address cannot contain line breaks or control characters.');
  if (unchecked.length > MAX_LENGTH) throw invalid('That email address is too long.');
  const at = unchecked.lastIndexOf('@');
  const address = at < 0 ? unchecked : `${unchecked.slice(0, at)}@${unchecked.slice(at + 1).toLowerCase()}`;
  if (!SHAPE.test(address)) throw invalid('Enter one email address, like name@example.com.');
  return address;
}

const invalid = (message: string) => new DomainError('invalid_request', message, 'email');
