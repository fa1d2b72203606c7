/**
 * CSV for spreadsheets (RFC 4180): fields with a comma, quote or line break are quoted, quotes
 * doubled. Text a user typed (memo, names) that starts like a formula gets a leading apostrophe, so
 * opening the file cannot run anything (OWASP "CSV injection"); numbers we write are left exact.
 */
export function csvText(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return csvField(safe);
}

/** A field we produced ourselves (numbers, dates, ids): only quoted when needed. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const csvLine = (fields: string[]): string => `${fields.join(',')}\r\n`;
