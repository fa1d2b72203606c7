import { DomainError } from './errors.js';

export const MEMO_MAX_CHARS = 140;

/**
 * A memo is optional plain text: at most 140 characters (code points), no control characters. Bidi
 * overrides and isolates count as control characters too: they can make a memo shown on a statement
 * read differently from what was stored (the "Trojan Source" trick).
 */
export function parseMemo(unchecked: string | undefined | null, param = 'memo'): string | null {
  if (unchecked === undefined || unchecked === null) return null;
  const memo = unchecked.trim();
  if (memo === '') return null;
  if ([...memo].length > MEMO_MAX_CHARS) {
    throw new DomainError('invalid_request', `Memo must be at most ${MEMO_MAX_CHARS} characters.`, param);
  }
  if (/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(memo)) {
    throw new DomainError('invalid_request', 'Memo cannot contain control characters or line breaks.', param);
  }
  return memo;
}
