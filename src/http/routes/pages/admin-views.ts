/**
 * What the console's templates show (issue 15): customers, accounts and history as plain strings,
 * formatted in the staff member's time zone. No use case here: only the shapes for src/views/admin-*.eta.
 */
import type { StaffAccountView, CustomerCard } from '../../../app/staff-looks.js';
import type { TransactionView } from '../../../app/views.js';
import { formatAccountNumber, formatDateTime, formatMoney, formatSignedMoney, isoTime } from '../../pages/format.js';

export const accountRow = (a: StaffAccountView) => ({
  id: a.id,
  name: a.name,
  number: formatAccountNumber(a.number),
  balance: formatMoney(a.balanceMinor, a.currency),
  available: formatMoney(a.availableMinor, a.currency),
  status: a.status,
  frozenReason: a.frozenReason,
  ownerUserId: a.ownerUserId,
});

export const customerRow = (c: CustomerCard) => ({
  id: c.user.id,
  username: c.user.username,
  roles: c.roles.join(', '),
  accounts: c.accounts.map(accountRow),
});

export const historyRow = (t: TransactionView, timeZone: string) => ({
  id: t.id,
  type: t.type,
  amount: formatSignedMoney(t.amountMinor, t.direction, t.currency),
  balanceAfter: formatMoney(t.balanceAfterMinor, t.currency),
  counterparty: t.counterparty ? `${t.counterparty.username} (${formatAccountNumber(t.counterparty.accountNumber)})` : '',
  memo: t.memo ?? '',
  when: formatDateTime(t.createdAtMs, timeZone),
  whenIso: isoTime(t.createdAtMs),
});

/** The console's navigation; admins also get the approval queue, the deposits report and roles. */
export function adminNav(isAdmin: boolean): { href: string; label: string; id: string }[] {
  const links = [{ href: '/admin', label: 'Find a customer', id: 'search' }];
  if (isAdmin) {
    // Part B (issue 15): the approval queue and the deposits report.
    links.push({ href: '/admin/approvals', label: 'Approvals', id: 'approvals' }, { href: '/admin/deposits', label: 'Deposits', id: 'deposits' });
    links.push({ href: '/admin/roles', label: 'Roles', id: 'roles' });
    // Issue 18: the outbox's delivery log (webhooks and emails, failed ones included).
    links.push({ href: '/admin/deliveries', label: 'Deliveries', id: 'deliveries' });
  }
  links.push({ href: '/dashboard', label: 'Back to my bank', id: 'exit' });
  return links;
}
