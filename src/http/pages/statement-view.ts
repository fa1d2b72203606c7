/**
 * A statement as the page and the PDF show it (issue 16 item 3): every figure formatted once here,
 * from the same signed statement the API answers, so the page, the PDF and the JSON agree.
 * Dates are in UTC, as the statement's months are.
 */
import type { StatementData } from '../../app/statements.js';
import type { SignedStatement } from '../../domain/statement.js';
import { formatAccountNumber, formatDateTime, formatMoney } from './format.js';
import { transactionRow, type TransactionRow } from './transaction-rows.js';

export interface StatementPageView {
  month: string;
  monthLabel: string;
  final: boolean;
  holder: string;
  accountNumber: string;
  currency: string;
  opening: string;
  credits: string;
  debits: string;
  closing: string;
  rows: TransactionRow[];
  ledgerHead: { seq: number; hash: string };
  issuedAt: string;
  keyId: string;
  signature: string;
  /** Links to this statement's other forms. */
  pdfUrl: string;
  jsonUrl: string;
}

/** `YYYY-MM` as "January 2025" (UTC). */
export function monthLabel(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  return new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year!, monthNumber! - 1, 1)));
}

/** The statement's base URL on the pages. */
export const statementPath = (accountId: string, month: string) => `/statements/${encodeURIComponent(accountId)}/${encodeURIComponent(month)}`;

export function statementPageView(data: StatementData, json: SignedStatement): StatementPageView {
  const money = (minor: bigint) => formatMoney(minor, data.account.currency);
  const base = statementPath(data.account.id, data.month.text);
  return {
    month: json.month,
    monthLabel: monthLabel(json.month),
    final: json.final,
    holder: data.account.holder,
    accountNumber: formatAccountNumber(data.account.number),
    currency: data.account.currency,
    opening: money(data.openingMinor),
    credits: money(data.figures.creditsMinor),
    debits: money(data.figures.debitsMinor),
    closing: money(data.figures.closingMinor),
    rows: data.transactions.map((t) => transactionRow(t, 'UTC')),
    ledgerHead: json.ledger_head,
    issuedAt: formatDateTime(data.issuedAtMs, 'UTC'),
    keyId: json.key_id,
    signature: json.signature,
    pdfUrl: `${base}/statement.pdf`,
    jsonUrl: `${base}/statement.json`,
  };
}

/** The download's file name: minibank-statement-<account number>-<YYYY-MM>.<ext> (plain ASCII). */
export function statementFileName(data: StatementData, ext: 'pdf' | 'json'): string {
  return `minibank-statement-${data.account.number.replace(/[^0-9A-Za-z]/g, '')}-${data.month.text}.${ext}`;
}
