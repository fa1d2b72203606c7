/**
 * The history filter shared by /transactions and /transactions.csv: a date range (whole UTC days,
 * both ends included) and a transaction type, read from the query string and checked.
 */
import type { TransactionQuery } from '../../app/list-transactions.js';
import type { FieldErrors } from './forms.js';

const TYPES = ['deposit', 'withdrawal', 'transfer', 'reversal'] as const;
type TxType = (typeof TYPES)[number];
const DAY_MS = 86_400_000;

export interface HistoryFilter {
  /** As typed, for the form and links. */
  values: { from: string; to: string; type: string; account: string };
  query: Pick<TransactionQuery, 'fromMs' | 'toMs' | 'types'>;
  errors: FieldErrors;
}

function one(raw: unknown): string {
  const value: unknown = Array.isArray(raw) ? raw[0] : raw;
  return typeof value === 'string' ? value.trim().slice(0, 32) : '';
}

function parseDay(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : null;
}

export function parseHistoryFilter(raw: Record<string, unknown>): HistoryFilter {
  // `account`: which of the user's accounts (issue 14 item 1); checked as theirs by the page (primary-account.ts).
  const values = { from: one(raw.from), to: one(raw.to), type: one(raw.type), account: typeof raw.account === 'string' ? raw.account.trim().slice(0, 64) : '' };
  const errors: FieldErrors = {};
  const query: HistoryFilter['query'] = {};
  if (values.from) {
    const ms = parseDay(values.from);
    if (ms === null) errors.from = 'Enter the start date as YYYY-MM-DD.';
    else query.fromMs = ms;
  }
  if (values.to) {
    const ms = parseDay(values.to);
    if (ms === null) errors.to = 'Enter the end date as YYYY-MM-DD.';
    else query.toMs = ms + DAY_MS;
  }
  if (query.fromMs !== undefined && query.toMs !== undefined && query.fromMs >= query.toMs) {
    errors.to = 'The end date must be on or after the start date.';
  }
  if (values.type && values.type !== 'all') {
    if ((TYPES as readonly string[]).includes(values.type)) query.types = [values.type as TxType];
    else errors.type = 'Choose a transaction type from the list.';
  }
  return { values, query, errors };
}

/** The query string for a filter (and optional cursor), for links and the CSV download. */
export function filterQueryString(values: HistoryFilter['values'], after?: string): string {
  const params = new URLSearchParams();
  if (values.account) params.set('account', values.account);
  if (values.from) params.set('from', values.from);
  if (values.to) params.set('to', values.to);
  if (values.type && values.type !== 'all') params.set('type', values.type);
  if (after) params.set('after', after);
  const text = params.toString();
  return text ? `?${text}` : '';
}
