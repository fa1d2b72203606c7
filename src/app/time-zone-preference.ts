/**
 * The time zone a person reads the pages in (issue 12 item 8): their choice in /settings, else what
 * their browser said at sign-up or sign-in, else UTC. The rule for a valid zone is in
 * src/domain/time-zone.ts; pages format every time with it (src/http/pages/format.ts).
 */
import { DEFAULT_TIME_ZONE, parseTimeZone, timeZoneOrNull } from '../domain/time-zone.js';
import { saveTimeZone, saveTimeZoneIfUnset } from '../storage/repositories/user-time-zone-repository.js';
import type { AppContext } from './context.js';

/**
 * The zone to show for a stored value: an IANA name, UTC when none is stored (null) or a stored one
 * Intl no longer knows. The stored value comes with the session read (resume-session.ts), so a page
 * pays no query for it.
 */
export function effectiveTimeZone(stored: string | null): string {
  return (stored !== null && timeZoneOrNull(stored)) || DEFAULT_TIME_ZONE;
}

/** Saves a zone the user chose; throws DomainError invalid_request (`time_zone`) for an unknown one. Returns the canonical name. */
export async function chooseTimeZone(ctx: AppContext, userId: string, text: string): Promise<string> {
  const zone = parseTimeZone(text);
  await ctx.storage.writeTransaction((trx) => saveTimeZone(trx, userId, zone));
  return zone;
}

/**
 * Adopts the zone a browser reported (a hidden field its script filled) when the user has none yet.
 * A missing or unknown value is ignored: it is a hint, never an error, and never overrides a choice.
 */
export async function adoptBrowserTimeZone(ctx: AppContext, userId: string, text: string): Promise<void> {
  const zone = timeZoneOrNull(text);
  if (zone === null) return;
  await ctx.storage.writeTransaction((trx) => saveTimeZoneIfUnset(trx, userId, zone));
}
