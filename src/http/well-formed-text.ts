/**
 * Issue 11 class 8: text that is not what it seems. A lone UTF-16 surrogate ("ab\ud800cd" in JSON)
 * is not a character: each database stores something different for it (SQLite keeps replacement
 * bytes, PostgreSQL refuses or alters it), so what is acknowledged, stored and listed would differ.
 * Percent-encoded bytes that are not UTF-8 (`%ED%A0%80`, `%FF`) are the same fault in a query string
 * or a form, and would be kept as the literal text "%FF". Every text field is checked once, at the
 * parsing edge (JSON bodies: json-body.ts; forms: the pages' form parser; query strings:
 * plugins/well-formed-input.ts), and any ill-formed one is 400 `invalid_request` naming the field.
 */
import { DomainError } from '../domain/errors.js';

/** In a `u` regex a surrogate pair is one code point, so this matches only lone surrogates. */
const LONE_SURROGATE = /\p{Cs}/u;

export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * The first field (a top-level key, or '' for the value itself) holding ill-formed text anywhere
 * inside it, keys included; null when all of it is well formed.
 */
export function illFormedField(value: unknown, field = ''): string | null {
  if (typeof value === 'string') return isWellFormedText(value) ? null : field;
  if (Array.isArray(value)) {
    for (const item of value) if (illFormedField(item, field) !== null) return field;
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const name = field === '' ? key : field;
      // An ill-formed key cannot be named in the answer (the name itself is the fault).
      if (!isWellFormedText(key)) return field;
      if (illFormedField(item, name) !== null) return name;
    }
  }
  return null;
}

/** Percent-decodes urlencoded text ('+' is a space); null when the bytes are not UTF-8. */
function decodeComponent(raw: string): string | null {
  try {
    // A stray '%' (not followed by two hex digits) stays literal, as the form and query parsers keep it.
    const text = decodeURIComponent(raw.replace(/\+/g, ' ').replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
    return isWellFormedText(text) ? text : null;
  } catch {
    return null;
  }
}

/**
 * The first field of urlencoded text (`a=1&b=2`, a query string or a form body) whose name or value
 * is not well formed once decoded; '' when the name itself is the ill-formed part; null when all are.
 * A raw U+FFFD is refused too: the form parser receives text already decoded from bytes, where bytes
 * that were not UTF-8 became U+FFFD, and a conforming form percent-encodes every non-ASCII character.
 */
export function illFormedUrlencodedField(raw: string): string | null {
  for (const pair of raw.split('&')) {
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    if (name === null || pair.includes('\ufffd')) return name ?? '';
    if (value === null) return name;
  }
  return null;
}

/** The refusal for ill-formed text in `field` ('' when no field can be named). */
export function illFormedTextError(field: string): DomainError {
  return new DomainError(
    'invalid_request',
    field ? `Field "${field}" contains text that is not valid Unicode.` : 'The request contains text that is not valid Unicode.',
    field || undefined,
  );
}
