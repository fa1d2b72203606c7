import { DomainError } from './errors.js';

/** Longest reason a staff member may give, in characters (code points). */
export const REASON_MAX_CHARS = 500;

/**
 * The reason a staff action gives (issue 15; contract "Operators"): required, 1..500 characters
 * (code points) after trimming surrounding spaces, plain text on one line: no control characters
 * (line breaks and tabs included) and no bidi overrides or isolates, which could make the audit
 * trail read differently from what was stored (the memo's rule, memo.ts).
 * @throws DomainError invalid_request (param `reason`) when missing, empty, too long or holding a control character.
 */
export function parseReason(unchecked: unknown): string {
  if (typeof unchecked !== 'string') throw new DomainError('invalid_request', 'Give a reason (1 to 500 characters).', 'reason');
  const reason = unchecked.trim();
  if (reason === '') throw new DomainError('invalid_request', 'Give a reason (1 to 500 characters).', 'reason');
  if ([...reason].length > REASON_MAX_CHARS) {
    throw new DomainError('invalid_request', `A reason must be at most ${REASON_MAX_CHARS} characters.`, 'reason');
  }
  if (/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(reason)) {
    throw new DomainError('invalid_request', 'A reason cannot contain control characters or line breaks.', 'reason');
  }
  return reason;
}

/** An optional reason (a look at a customer's data): absent or blank is null, else as parseReason. */
export function parseOptionalReason(unchecked: unknown): string | null {
  if (unchecked === undefined || unchecked === null || (typeof unchecked === 'string' && unchecked.trim() === '')) return null;
  return parseReason(unchecked);
}
