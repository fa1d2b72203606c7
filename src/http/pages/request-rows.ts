/**
 * Payment requests as the /requests page shows them: amounts formatted in their currency, times in
 * the user's time zone, and which buttons each row offers (only a pending request has any).
 */
import type { PaymentRequestView } from '../../app/payment-request-view.js';
import type { AccountView } from '../../app/views.js';
import { formatAccountNumber, formatDateTime, formatMoney } from './format.js';

export interface RequestRow {
  id: string;
  status: string;
  amount: string;
  memo: string | null;
  /** The other party: the requester on an incoming row, the payer on an outgoing one. */
  who: string;
  account: string;
  created: string;
  expires: string;
  pending: boolean;
}

/** One row of the incoming (`incoming`: true) or outgoing list. */
export function requestRow(r: PaymentRequestView, incoming: boolean, timeZone?: string): RequestRow {
  return {
    id: r.id,
    status: r.status,
    amount: formatMoney(r.amountMinor, r.currency),
    memo: r.memo,
    who: incoming ? r.requester.username : r.payer.username,
    account: formatAccountNumber(r.requester.accountNumber),
    created: formatDateTime(r.createdAtMs, timeZone),
    expires: formatDateTime(r.expiresAtMs, timeZone),
    pending: r.status === 'pending',
  };
}

/** The accounts money can be asked into or paid from: open ones, as a select shows them. */
export function openAccountOptions(accounts: AccountView[], currency?: string): { id: string; label: string }[] {
  return accounts
    .filter((a) => a.status === 'active' && (currency === undefined || a.currency === currency))
    .map((a) => ({ id: a.id, label: `${a.name} (${a.currency}, ${formatAccountNumber(a.number)})` }));
}
