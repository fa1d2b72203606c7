import { DomainError } from './errors.js';

export const MEMO_MAX_CHARS = 140;

/** A memo is optional plain text: at most 140 characters (code points), no control characters. */
export function parseMemo(unchecked: string | undefined | null, param = 'memo'): string | null {
  if (unchecked === undefined || unchecked === null) return null;
  const memo = unchecked.trim();
  if (memo === '') return null;
  if ([...memo].length > MEMO_MAX_CHARS) {
    throw new DomainError('invalid_request', `Memo must be at most ${MEMO_MAX_CHARS} characters.`, param);
  }
  if (/[\p{Cc}\u2028\u2029]/u.test(memo)) {
    throw new DomainError('invalid_request', 'Memo cannot contain control characters or line breaks.', param);
  }
  return memo;
}
