/**
 * Holds as the /holds page shows them: amounts in their currency, times in the user's time zone,
 * and which forms each row offers (only a pending hold the user receives has capture and void).
 */
import type { HoldView } from '../../app/hold-views.js';
import { formatAccountNumber, formatDateTime, formatMoney } from './format.js';

export interface HoldRow {
  id: string;
  status: string;
  amount: string;
  captured: string | null;
  memo: string | null;
  /** The other party: the payee on a row the user pays, the payer on a row they receive. */
  who: string;
  account: string;
  created: string;
  expires: string;
  pending: boolean;
}

/** One row of the list the user pays (`paying`: true) or receives. */
export function holdRow(h: HoldView, paying: boolean, timeZone?: string): HoldRow {
  const other = paying ? h.to : h.from;
  return {
    id: h.id,
    status: h.status,
    amount: formatMoney(h.amountMinor, h.currency),
    captured: h.status === 'captured' ? formatMoney(h.capturedMinor, h.currency) : null,
    memo: h.memo,
    who: other.username,
    account: formatAccountNumber(other.accountNumber),
    created: formatDateTime(h.createdAtMs, timeZone),
    expires: formatDateTime(h.expiresAtMs, timeZone),
    pending: h.status === 'pending',
  };
}

/** The expiry choices of the place-a-hold form, in seconds (the contract allows 60..2592000). */
export const EXPIRY_CHOICES: readonly { value: string; label: string }[] = [
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
  { value: '2592000', label: '30 days' },
];
