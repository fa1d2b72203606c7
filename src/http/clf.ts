/**
 * Common Log Format, exactly: `host ident authuser [10/Apr/2025:14:32:10 +0000] "GET /index HTTP/1.1" 200 512`.
 * Pure functions, so the format is tested without a server. Anything a client controls is escaped
 * the way Apache does it (`\"`, `\\`, `\xhh` for control and non-ASCII bytes), so a quote or a
 * newline in a path can never end the field or forge a second line.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The last second formatted: under load, many lines in a row share it. */
let cachedSecond = NaN;
let cachedTime = '';

/** `10/Apr/2025:14:32:10 +0000`: always UTC, so lines from every host sort and compare alike. */
export function clfTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === cachedSecond) return cachedTime;
  const d = new Date(ms);
  cachedTime = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  cachedSecond = second;
  return cachedTime;
}

const hex = (byte: number) => `\\x${byte.toString(16).padStart(2, '0')}`;

/** Anything clfEscape would change; most text has none and is returned as it is. */
const NEEDS_ESCAPE = /[^\x20-\x7e]|["\\]/;
const NEEDS_ESCAPE_OR_SPACE = /[^\x21-\x7e]|["\\]/;

/** Escapes client-controlled text for a CLF field: printable ASCII stays, everything else is `\xhh`. */
export function clfEscape(text: string, { escapeSpace = false } = {}): string {
  if (!(escapeSpace ? NEEDS_ESCAPE_OR_SPACE : NEEDS_ESCAPE).test(text)) return text;
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === ' ' && escapeSpace) out += '\\x20';
    else if (code >= 0x20 && code <= 0x7e) out += char;
    // Node hands raw header bytes over as latin1, one char per byte: keep each byte as it came.
    else if (code < 0x100) out += hex(code);
    else for (const byte of Buffer.from(char, 'utf8')) out += hex(byte);
  }
  return out;
}

const SPACE_TOO = { escapeSpace: true };

/** A field that must be one token: escaped, spaces included, and `-` when empty. */
export function clfToken(value: string | null | undefined): string {
  return value ? clfEscape(value, SPACE_TOO) : '-';
}

export interface ClfEntry {
  host: string | null | undefined;
  user: string | null | undefined;
  timeMs: number;
  method: string;
  /** The request target exactly as received (path and query string). */
  url: string;
  httpVersion: string;
  status: number;
  /** Response body bytes; 0 or null prints `-`. */
  bytes: number | null;
}

export function formatClfLine(entry: ClfEntry): string {
  const requestLine = `${entry.method} ${entry.url} HTTP/${entry.httpVersion}`;
  const bytes = entry.bytes ? String(entry.bytes) : '-';
  return `${clfToken(entry.host)} - ${clfToken(entry.user)} [${clfTime(entry.timeMs)}] "${clfEscape(requestLine)}" ${entry.status} ${bytes}\n`;
}
