/**
 * Display helpers for the pages: money through Intl.NumberFormat fed an exact decimal string (never
 * a float), times in the reader's zone, and a short "browser on system" name for a user agent.
 */
import { formatAccountNumber } from '../../domain/account-number.js';
import { currencyExponent } from '../../domain/currency.js';
import { formatDecimal } from '../../domain/money.js';

export const LOCALE = 'en-US';

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * The one money formatter of every page, flash message and chart label: "$1,250.40", "HUF 123.40",
 * "¥1,250", "KWD 0.400". Shows exactly the stored amount (issue 11 class 9): the fraction always has
 * the currency's ISO 4217 minor-unit exponent (src/domain/currency.ts), never Intl's own default or
 * cash digits (which are 0 for HUF, so 123.40 would read "HUF 123"), and nothing is ever rounded.
 * `amountMinor` is in minor units (cents); an unknown currency throws (a bug, not user input).
 */
export function formatMoney(amountMinor: bigint, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    const exponent = currencyExponent(currency);
    format = new Intl.NumberFormat(LOCALE, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
      // Never reached (the decimal below has exactly `exponent` digits); says no digit may be lost.
      roundingMode: 'trunc',
    });
    moneyFormats.set(currency, format);
  }
  // A decimal string is formatted exactly (Intl.NumberFormat v3), whatever its size.
  return format.format(formatDecimal(amountMinor, currency) as unknown as number);
}

/** "+$12.50" or "−$12.50", for a movement seen from the account. */
export function formatSignedMoney(amountMinor: bigint, direction: 'credit' | 'debit', currency: string): string {
  return `${direction === 'credit' ? '+' : '\u2212'}${formatMoney(amountMinor, currency)}`;
}

/**
 * What the amount field's hint offers as an example, with the currency's own number of decimals
 * (issue 12 item 8): "12.50" for USD, "1250" for JPY, "12.500" for KWD.
 */
export function amountExample(currency: string): string {
  const exponent = currencyExponent(currency);
  return exponent === 0 ? '1250' : `12.${'5'.padEnd(exponent, '0')}`;
}

const dateTimes = new Map<string, Intl.DateTimeFormat>();
const dateOnly = new Intl.DateTimeFormat(LOCALE, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/**
 * The one formatter of every time a page shows (issue 12 item 8): "Jan 15, 2026, 1:00 PM GMT+1" in
 * the reader's IANA `timeZone` (their setting, src/app/time-zone-preference.ts), always with the
 * zone named; "Jan 15, 2026, 12:00 PM UTC" by default. `ms`: milliseconds since the epoch. The
 * zone must be one Intl accepts (checked when it was saved, src/domain/time-zone.ts); CSV files
 * stay in UTC ISO 8601 (isoTime).
 */
export function formatDateTime(ms: bigint, timeZone = 'UTC'): string {
  let format = dateTimes.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALE, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    });
    dateTimes.set(timeZone, format);
  }
  return format.format(Number(ms));
}

export const formatShortDate = (ms: bigint): string => dateOnly.format(Number(ms));
export const isoTime = (ms: bigint): string => new Date(Number(ms)).toISOString();
export const isoDate = (ms: bigint): string => isoTime(ms).slice(0, 10);

export { formatAccountNumber };

const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrom(e|ium)\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** "Firefox on Linux"; "Unknown browser" when nothing matches. */
export function describeUserAgent(ua: string): string {
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'Unknown browser';
}
