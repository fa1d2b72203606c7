/**
 * Where an audit event without a user is counted (issue 11 class 14: anonymous noise in the audit
 * trail is bounded). Such events are aggregated: one row per type, IP and window
 * (AUDIT_ANONYMOUS_WINDOW_MINUTES) holding a count, so 300 refused anonymous form posts from one
 * address are one row, not 300 rows kept for a year. The number of rows per window is bounded too
 * (AUDIT_ANONYMOUS_ROWS_PER_WINDOW, per instance): once it is reached, events from further
 * addresses are counted in one overflow row per type with no IP, so rotating addresses cannot grow
 * the table either. Events with a user are not aggregated: each keeps its own row.
 */
export interface AnonymousEventSlot {
  /** The aggregated row's key: `type|ip|window start ms` (ip `*` for the overflow row). */
  key: string;
  /** The IP to store on the row: the client's, or null on the overflow row. */
  ip: string | null;
}

export interface AnonymousEventWindows {
  /** The row an anonymous event of `type` from `ip` at `atMs` is counted in. */
  slotFor(type: string, ip: string | null, atMs: number): AnonymousEventSlot;
}

/** One per app instance: remembers the keys of the current window to enforce the row bound. */
export function anonymousEventWindows(options: { windowMs: number; rowsPerWindow: number }): AnonymousEventWindows {
  let windowStartMs = -1;
  const keys = new Set<string>();
  return {
    slotFor(type, ip, atMs) {
      const start = Math.floor(atMs / options.windowMs) * options.windowMs;
      if (start !== windowStartMs) {
        windowStartMs = start;
        keys.clear();
      }
      const key = `${type}|${ip ?? '-'}|${start}`;
      if (keys.has(key)) return { key, ip };
      if (keys.size < options.rowsPerWindow) {
        keys.add(key);
        return { key, ip };
      }
      return { key: `${type}|*|${start}`, ip: null };
    },
  };
}
