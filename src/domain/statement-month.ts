/**
 * Statement months (issue 16 item 3): a calendar month in UTC, written `YYYY-MM`. A month is final
 * once it has ended; the current month is "interim" (final: false); a later month does not exist
 * yet (400 invalid_request, contract "Statements and the ledger chain"). Pure: the time is passed in.
 */
import { DomainError } from './errors.js';

export interface StatementMonth {
  /** `YYYY-MM`. */
  text: string;
  /** First millisecond of the month, UTC, epoch ms. */
  startMs: bigint;
  /** First millisecond of the next month, UTC, epoch ms (exclusive end). */
  endMs: bigint;
  /** True once the month has ended (endMs <= now). */
  final: boolean;
}

const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;
/** Months before the Unix epoch cannot hold a movement (times are epoch ms). */
const FIRST_YEAR = 1970;

/** `YYYY-MM` of the UTC month holding `ms` (epoch milliseconds). */
export function monthOf(ms: bigint | number): string {
  const date = new Date(Number(ms));
  return `${date.getUTCFullYear().toString().padStart(4, '0')}-${(date.getUTCMonth() + 1).toString().padStart(2, '0')}`;
}

function monthAt(year: number, monthIndex: number, nowMs: bigint): StatementMonth {
  const startMs = BigInt(Date.UTC(year, monthIndex, 1));
  const endMs = BigInt(Date.UTC(year, monthIndex + 1, 1));
  return { text: `${year.toString().padStart(4, '0')}-${(monthIndex + 1).toString().padStart(2, '0')}`, startMs, endMs, final: endMs <= nowMs };
}

/**
 * Parses a month a client asked for. Throws DomainError `invalid_request` (param `month`) when it is
 * not `YYYY-MM`, is before 1970, or lies after the current UTC month at `nowMs` (epoch ms).
 */
export function parseStatementMonth(unchecked: string, nowMs: bigint): StatementMonth {
  const match = MONTH_PATTERN.exec(unchecked);
  if (!match) throw new DomainError('invalid_request', 'month must be YYYY-MM (a calendar month in UTC).', 'month');
  const year = Number(match[1]);
  if (year < FIRST_YEAR) throw new DomainError('invalid_request', `month must be ${FIRST_YEAR}-01 or later.`, 'month');
  const month = monthAt(year, Number(match[2]) - 1, nowMs);
  if (month.startMs > nowMs) throw new DomainError('invalid_request', 'That month has not started yet.', 'month');
  return month;
}

/** The current UTC month at `nowMs` (never final). */
export function currentMonth(nowMs: bigint): StatementMonth {
  const date = new Date(Number(nowMs));
  return monthAt(date.getUTCFullYear(), date.getUTCMonth(), nowMs);
}
