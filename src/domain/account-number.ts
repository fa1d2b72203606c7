/**
 * Account numbers people can read out and type: ten digits chosen at random plus two check digits
 * computed with ISO 7064 MOD 97-10 (the IBAN scheme), which catches every single-digit mistake and
 * every swap of two adjacent digits. Shown in groups of four: "1234 5678 9012".
 */
const BODY_DIGITS = 10;

function checkDigits(body: string): string {
  const remainder = Number((BigInt(body) * 100n) % 97n);
  return String(98 - remainder).padStart(2, '0');
}

/** Builds a number from ten random digits supplied by the caller (the domain holds no randomness). */
export function makeAccountNumber(randomDigits: string): string {
  if (!/^\d{10}$/.test(randomDigits)) throw new Error('an account number needs exactly ten random digits');
  return randomDigits + checkDigits(randomDigits);
}

/**
 * Accepts spaces and dashes of any kind (a pasted en dash too) between digits; returns the canonical
 * 12 digits, or null when invalid. Only ASCII digits count.
 */
export function parseAccountNumber(text: string): string | null {
  const digits = text.replace(/[\s\p{Pd}]/gu, '');
  if (!/^\d{12}$/.test(digits)) return null;
  const body = digits.slice(0, BODY_DIGITS);
  return checkDigits(body) === digits.slice(BODY_DIGITS) ? digits : null;
}

export function formatAccountNumber(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}
