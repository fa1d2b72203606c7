/**
 * A person's time zone (issue 12 item 8): an IANA name such as "Europe/Paris", checked against the
 * time zone database Intl carries (so a page can always format with it), stored in its canonical
 * spelling. UTC is the default when a person has not chosen one and their browser did not say.
 */
import { DomainError } from './errors.js';

export const DEFAULT_TIME_ZONE = 'UTC';
const NAME_MAX_CHARS = 64;
/** IANA names are ASCII letters, digits and `/ _ + -` (tz-link.html "Theory and pragmatics"). */
const NAME_SHAPE = /^[A-Za-z][A-Za-z0-9/_+-]*$/;

let known: readonly string[] | undefined;

/** Every zone a person may choose, UTC first, then Intl's list (canonical IANA names, sorted). */
export function knownTimeZones(): readonly string[] {
  known ??= Object.freeze([DEFAULT_TIME_ZONE, ...Intl.supportedValuesOf('timeZone').filter((z) => z !== DEFAULT_TIME_ZONE)]);
  return known;
}

/** The canonical IANA name of `text`, or null when Intl does not know it as a zone. */
export function timeZoneOrNull(text: string): string | null {
  const name = text.trim();
  if (name.length === 0 || name.length > NAME_MAX_CHARS || !NAME_SHAPE.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null; // RangeError: not a time zone Intl knows.
  }
}

/** As timeZoneOrNull, for typed input: an unknown zone is 400 invalid_request on `param`. */
export function parseTimeZone(text: string, param = 'time_zone'): string {
  const zone = timeZoneOrNull(text);
  if (zone === null) throw new DomainError('invalid_request', 'Choose a time zone from the list, for example Europe/Paris.', param);
  return zone;
}
