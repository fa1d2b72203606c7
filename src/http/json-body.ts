/**
 * JSON bodies, parsed by secure-json-parse (which refuses `__proto__` and `constructor` keys), with
 * one addition the contract needs: `1e2`, `1.0` and integers too long to be exact must be refused as
 * amounts, yet JSON.parse would turn them into ordinary numbers. So before parsing, every number
 * literal that is not a plain integer of at most 15 digits is quoted with a marker, and after parsing
 * each marked string becomes an object that no string or integer schema accepts.
 */
import { isUtf8 } from 'node:buffer';
import secureJson from 'secure-json-parse';
import { DomainError } from '../domain/errors.js';
import { findDuplicateKey } from './json-duplicate-keys.js';
import { illFormedField, illFormedTextError, isWellFormedText } from './well-formed-text.js';

const MARK = '\u0000minibank-number:';
const MAX_EXACT_DIGITS = 15;
const integerLiteral = new RegExp(`^-?(0|[1-9]\\d{0,${MAX_EXACT_DIGITS - 1}})$`);

/** Linear scan (no backtracking regex), so a hostile body cannot make it slow. */
export function markInexactNumbers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i++;
      while (i < text.length && /[0-9.eE+-]/.test(text.charAt(i))) i++;
      const literal = text.slice(start, i);
      if (!integerLiteral.test(literal)) {
        out += text.slice(copiedUpTo, start) + JSON.stringify(MARK + literal);
        copiedUpTo = i;
      }
    } else {
      i++;
    }
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** Stands where an inexact number was; fails every schema that expects a string or an integer. */
export interface InexactNumber {
  inexactNumber: string;
}

function unmark(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith(MARK) ? { inexactNumber: value.slice(MARK.length) } : value;
  if (Array.isArray(value)) return value.map(unmark);
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = unmark((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * Parses a request body (its bytes, or text already decoded) into a value the schemas can check.
 * Raises `invalid_request` (400) for bytes that are not UTF-8, a repeated key in any object, or a
 * lone surrogate in any string or key (issue 11 class 8; RFC 8259 sections 4 and 8.1); a SyntaxError
 * for malformed JSON and secure-json-parse's errors for `__proto__`/`constructor` keys.
 */
export function parseJsonBody(body: string | Buffer): unknown {
  if (typeof body !== 'string' && !isUtf8(body)) throw new DomainError('invalid_request', 'The request body is not valid UTF-8.');
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const parsed = unmark(secureJson.parse(markInexactNumbers(text), undefined, { protoAction: 'error', constructorAction: 'error' }));
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) {
    throw new DomainError(
      'invalid_request',
      isWellFormedText(duplicate) ? `Field "${duplicate}" is sent more than once.` : 'A field is sent more than once.',
      isWellFormedText(duplicate) ? duplicate : undefined,
    );
  }
  // Bytes proven UTF-8 can hold a lone surrogate only through a \u escape: skip the walk without one.
  const mayHoldLoneSurrogate = typeof body === 'string' || text.includes('\\u');
  const illFormed = mayHoldLoneSurrogate ? illFormedField(parsed) : null;
  if (illFormed !== null) throw illFormedTextError(illFormed);
  return parsed;
}
