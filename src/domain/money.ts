/**
 * Money is an integer count of the currency's minor unit (cents), held as a bigint. Nothing here
 * touches floating point: decimal text is split into digits and assembled exactly.
 */
import { currencyExponent } from './currency.js';
import { DomainError } from './errors.js';

/** Largest magnitude the storage columns (signed 64-bit) can hold. */
export const INT64_MAX = 9_223_372_036_854_775_807n;

/**
 * The bound on every stored amount (issue 11 class 5): balances, entry amounts and running balances
 * stay within -MAX_BALANCE_MINOR..MAX_BALANCE_MINOR, user balances within 0..MAX_BALANCE_MINOR.
 * 2^53-1 is held exactly by SQLite INTEGER, PostgreSQL BIGINT and a JSON client that reads numbers
 * as doubles (RFC 7493 section 2.2), and the arithmetic of a movement (a balance plus an amount of at
 * most MAX_AMOUNT_MINOR) stays far from 64-bit overflow. The bank's cash account is the negative of
 * all user money in its currency, so bounding it both ways also caps the money users hold in all.
 */
export const MAX_BALANCE_MINOR = 2n ** 53n - 1n;

/**
 * Checks an amount that arrived as a JSON number (already proven an integer by the request schema)
 * against the contract's rules: positive and at most the configured per-operation maximum.
 */
export function checkAmountMinor(unchecked: number | bigint, maxAmountMinor: bigint, param = 'amount'): bigint {
  if (typeof unchecked === 'number' && !Number.isSafeInteger(unchecked)) {
    throw new DomainError('invalid_amount', 'Amount must be a whole number of minor units (cents).', param);
  }
  const amount = BigInt(unchecked);
  if (amount <= 0n) throw new DomainError('invalid_amount', 'Amount must be greater than zero.', param);
  if (amount > maxAmountMinor) {
    throw new DomainError('invalid_amount', `Amount must be at most ${maxAmountMinor} minor units.`, param);
  }
  return amount;
}

export interface DecimalFormat {
  /** Character that separates whole units from the fraction: "." in en-US, "," in de-DE. */
  decimalSeparator: '.' | ',';
}

/**
 * Parses an amount the way people type it ("12.50", "12", "1,250.00", "$ 12.5") into minor units.
 * Grouping separators are accepted only in well-formed groups of three, so "1,25" is not silently
 * read as 125. More fraction digits than the currency has is an error, never a rounding.
 */
export function parseDecimalAmount(text: string, currency: string, format: DecimalFormat = { decimalSeparator: '.' }, param = 'amount'): bigint {
  const exponent = currencyExponent(currency);
  const invalid = (message: string): never => {
    throw new DomainError('invalid_amount', message, param);
  };
  const group = format.decimalSeparator === '.' ? ',' : '.';
  // Only currency symbols, this currency's code and spaces around the number are dropped ("$ 12.50",
  // "12,50 €", "12 USD"). Anything else (a minus of any kind, brackets, a trailing "-", stray letters)
  // stays and makes the amount unreadable, so a negative is never silently read as positive. A single
  // space or apostrophe between digits is a grouping separator ("1 250.00", "1'250.00") and is checked
  // like one, so "12 34" is not silently read as 1234.
  const around = `(?:[\\p{Sc}\\s]|${currency})+`;
  const cleaned = text
    .trim()
    .replace(new RegExp(`^${around}|${around}$`, 'giu'), '')
    .replace(/(?<=\d)[\s'](?=\d)/gu, group);
  if (cleaned === '') invalid('Enter an amount, for example 12.50.');
  if (/^[-+(\p{Pd}\u2212\uff0b]/u.test(cleaned)) invalid('Enter a positive amount, without a sign.');
  const [wholeRaw = '', fraction = '', ...rest] = cleaned.split(format.decimalSeparator);
  if (rest.length > 0) invalid('That amount has more than one decimal separator.');
  if (wholeRaw.includes(group)) {
    const problem = groupingProblem(wholeRaw, cleaned.includes(format.decimalSeparator), format.decimalSeparator, exponent);
    if (problem) invalid(problem);
  }
  const whole = wholeRaw.split(group).join('');
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(fraction) || whole + fraction === '') {
    invalid('That amount is not a number we can read.');
  }
  if (fraction.length > exponent) {
    invalid(exponent === 0 ? `${currency} has no fractional part.` : `Use at most ${exponent} decimal places.`);
  }
  if (whole.length > 19) invalid('That amount is too large.');
  const minor = BigInt(whole || '0') * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
  if (minor <= 0n) invalid('Amount must be greater than zero.');
  return minor;
}

/**
 * Why grouped whole digits are ambiguous, or null when they are not (issue 11 class 8): the first
 * group is 1 to 3 digits and not a lone or leading 0, every later group exactly 3 digits. So
 * "1,250.50" is read, while "0,500" (0.500 or 500?), "1,25", "12,34,567" (Indian grouping) and "12,5"
 * are refused rather than guessed; one group of 1..exponent digits after the separator and no decimal
 * point looks like a decimal comma, and the message says which separator marks the cents. For a
 * currency with three fraction digits that includes one well-formed group ("1,500 KWD").
 */
function groupingProblem(wholeRaw: string, hasDecimal: boolean, decimalSeparator: '.' | ',', exponent: number): string | null {
  const group = decimalSeparator === '.' ? ',' : '.';
  const groups = wholeRaw.split(group);
  if (!groups.every((g) => /^\d+$/.test(g))) return 'That amount is not a number we can read.';
  if (/^[1-9]\d{0,2}$/.test(groups[0]!) && groups.slice(1).every((g) => g.length === 3)) {
    // With three fraction digits (KWD, BHD, OMR, ...) one group of three and no decimal point reads
    // both ways: "1,500" is 1500 to some and 1.500 to others, the "0,500" again.
    if (hasDecimal || exponent < 3 || groups.length !== 2) return null;
    return `That amount is ambiguous: write it without the ${group === ',' ? 'comma' : 'dot'} for whole units, or with a ${decimalSeparator === '.' ? 'dot' : 'comma'} before the fraction.`;
  }
  const [, cents, ...more] = groups;
  if (!hasDecimal && exponent > 0 && more.length === 0 && cents !== undefined && new RegExp(`^\\d{1,${exponent}}$`).test(cents)) {
    return `That amount is ambiguous: use a ${decimalSeparator === '.' ? 'dot' : 'comma'} for cents, for example 12${decimalSeparator}50.`;
  }
  const example = decimalSeparator === '.' ? '1,250.00' : '1.250,00';
  return `That amount is ambiguous: ${group === ',' ? 'commas' : 'dots'} only go between groups of three digits, for example ${example}.`;
}

/** Plain decimal text of a minor-unit amount, e.g. 125000n USD -> "1250.00"; negative gets a "-". */
export function formatDecimal(amountMinor: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const sign = amountMinor < 0n ? '-' : '';
  const digits = (amountMinor < 0n ? -amountMinor : amountMinor).toString().padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
