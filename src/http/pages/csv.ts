/**
 * CSV for spreadsheets (RFC 4180, comma-separated, CRLF lines), safe in every common dialect
 * (issue 11 class 10; OWASP "CSV Injection"; ASVS 5.0 1.2.10). Every cell is one of two kinds:
 *
 * - text someone typed or chose (memo, usernames): `csvText`, always quoted and defused;
 * - a value we produced (number, date, id, code): `csvValue`, checked to be of an inert shape.
 *
 * A spreadsheet may split the same line on commas, semicolons or tabs (the reader's locale picks),
 * and a quote only groups a field when it opens one in *that* dialect; so a memo `rent;=1+2`, even
 * quoted, is the cell `=1+2` to a reader splitting on `;`. Defusing therefore looks at every place a
 * cell could begin, not only at the start of the text.
 */

/**
 * What makes a cell a formula when it comes first (OWASP: = + - @ tab CR; ASVS 5.0 adds NUL). A line
 * feed is a line break, not a formula: what follows it is checked as the start of a cell instead.
 */
const FORMULA_START = '=+\\-@\\t\\r\\0';

/**
 * Every place a cell can begin in some dialect: the start of the text, or just after a comma,
 * semicolon, tab, line break or double quote, with any spaces a reader might trim in between.
 * Matches the empty position right before the formula character, where the apostrophe goes.
 */
const CELL_START_BEFORE_FORMULA = new RegExp(`(?<=(?:^|[,;\\t\\r\\n"])\\p{Zs}*)(?=[${FORMULA_START}])`, 'gu');

/**
 * A text cell: every place where a cell could begin with a formula character gets a single quote
 * before it (`rent;=1+2` becomes `rent;'=1+2`, `=HYPERLINK(…)` becomes `'=HYPERLINK(…)`), then the
 * whole is quoted with its quotes doubled. Everything else (including look-alikes such as the
 * full-width `＝`, which no spreadsheet evaluates) stays exactly as stored.
 */
export function csvText(value: string): string {
  return `"${value.replace(CELL_START_BEFORE_FORMULA, "'").replace(/"/g, '""')}"`;
}

/**
 * The only shapes a value of ours may have: a plain decimal number (a leading minus is a number,
 * not a formula, when nothing else follows), or a word/id/ISO date of letters, digits and `._:+-`
 * that starts with a letter or digit. Nothing here needs quoting in any dialect.
 */
const INERT_VALUE = /^(?:-?\d+(?:\.\d+)?|[A-Za-z0-9][A-Za-z0-9._:+-]*)?$/;

/** A cell we produced ourselves, written bare; anything outside the inert shapes is a bug and throws. */
export function csvValue(value: string): string {
  if (!INERT_VALUE.test(value)) throw new Error(`not an inert CSV value: ${JSON.stringify(value)} (use csvText for text)`);
  return value;
}

export const csvLine = (fields: string[]): string => `${fields.join(',')}\r\n`;
