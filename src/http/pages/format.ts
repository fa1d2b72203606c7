/**
 * Display helpers for the pages: money through Intl.NumberFormat fed an exact decimal string (never
 * a float), dates in UTC, and a short "browser on system" name for a user agent.
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

const dateTime = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const dateOnly = new Intl.DateTimeFormat(LOCALE, { month: 'short', day: 'numeric', timeZone: 'UTC' });

export const formatDateTime = (ms: bigint): string => `${dateTime.format(Number(ms))} UTC`;
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
