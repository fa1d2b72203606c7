/** Transactions as the pages show them: every string formatted, nothing left for the template to compute. */
import type { TransactionView } from '../../app/views.js';
import { formatAccountNumber, formatDateTime, formatMoney, formatSignedMoney, isoTime } from './format.js';

export interface TransactionRow {
  id: string;
  type: string;
  typeLabel: string;
  direction: 'credit' | 'debit';
  description: string;
  counterpartyNumber: string | null;
  memo: string | null;
  amount: string;
  balanceAfter: string;
  date: string;
  isoTime: string;
}

const TYPE_LABELS = { deposit: 'Deposit', withdrawal: 'Withdrawal', transfer: 'Transfer', reversal: 'Reversal' } as const;

/** One row; `timeZone`: the reader's IANA zone (src/app/time-zone-preference.ts). */
export function transactionRow(t: TransactionView, timeZone: string): TransactionRow {
  let description: string = TYPE_LABELS[t.type];
  if (t.type === 'transfer' && t.counterparty) description = t.direction === 'debit' ? `To ${t.counterparty.username}` : `From ${t.counterparty.username}`;
  // Issue 15: a reversal is the bank's correction; the customer sees "bank staff", never the person.
  if (t.type === 'reversal') description = 'Reversal by bank staff';
  return {
    id: t.id,
    type: t.type,
    typeLabel: TYPE_LABELS[t.type],
    direction: t.direction,
    description,
    counterpartyNumber: t.counterparty ? formatAccountNumber(t.counterparty.accountNumber) : null,
    memo: t.memo,
    amount: formatSignedMoney(t.amountMinor, t.direction, t.currency),
    balanceAfter: formatMoney(t.balanceAfterMinor, t.currency),
    date: formatDateTime(t.createdAtMs, timeZone),
    isoTime: isoTime(t.createdAtMs),
  };
}
