/**
 * Which database failures mean "the storage cannot serve right now" rather than a bug: a full disk,
 * an I/O error, a lock that could not be had, a lost or refused connection. The HTTP layer answers
 * these with 503 `unavailable` (the transaction was rolled back, so nothing moved) and logs the
 * error itself, so the real cause (SQLITE_FULL, 53100 disk_full...) is what the log shows
 * (issue 11 class 14).
 */

/** SQLite result codes (primary, as the prefix of better-sqlite3's extended code): https://sqlite.org/rescode.html */
const SQLITE_UNAVAILABLE = [
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
];

/**
 * PostgreSQL SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * 08 connection exception, 53 insufficient resources (53100 disk_full), 57P01-57P03 shutdown /
 * cannot connect now, 58 system error (58030 io_error).
 */
const POSTGRES_UNAVAILABLE = /^(08...|53...|57P0[1-3]|58...)$/;

/** True when `error` (or what it wraps as `cause`) is a storage fault that should be a 503, not a 500. */
export function isStorageUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (SQLITE_UNAVAILABLE.some((primary) => code === primary || code.startsWith(`${primary}_`))) return true;
    if (POSTGRES_UNAVAILABLE.test(code)) return true;
  }
  return false;
}
