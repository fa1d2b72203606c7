import type { FastifyInstance } from 'fastify';
import { balanceHistory } from '../../../app/balance-history.js';
import { listOwnedAccountTransactions } from '../../../app/list-transactions.js';
import { recoveryCodesRunningLow } from '../../../app/totp-enrolment.js';
import type { OwnAccountView } from '../../../app/get-profile.js';
import { balanceChart } from '../../pages/balance-chart.js';
import { formatAccountNumber, formatMoney } from '../../pages/format.js';
import { frozenNotice } from '../../pages/frozen-notice.js';
import { pageAccounts, requestedAccount } from '../../pages/primary-account.js';
import { transactionRow } from '../../pages/transaction-rows.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

const RECENT = 5;

/** An account's row in the dashboard's list (issue 14 item 1). */
const accountRow = (a: OwnAccountView, chosenId: string) => ({
  id: a.id,
  name: a.name,
  number: formatAccountNumber(a.number),
  currency: a.currency,
  balance: formatMoney(a.balanceMinor, a.currency),
  status: a.status,
  // Issue 15: the owner sees why staff froze it (the accounts read brings it, no read more).
  frozenReason: a.frozenReason,
  chosen: a.id === chosenId,
});

/** One total per currency, over the accounts that are not closed (a closed account holds nothing), in first-seen order. */
function totalsByCurrency(accounts: OwnAccountView[]): { currency: string; total: string }[] {
  const totals = new Map<string, bigint>();
  for (const a of accounts) if (a.status !== 'closed') totals.set(a.currency, (totals.get(a.currency) ?? 0n) + a.balanceMinor);
  return [...totals].map(([currency, total]) => ({ currency, total: formatMoney(total, currency) }));
}

export default async function dashboardPage(app: FastifyInstance): Promise<void> {
  app.get('/dashboard', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    // Every account comes with the one read the single account took before: no read more (read-statements test).
    const { accounts, account } = await pageAccounts(app.ctx, session.userId, requestedAccount(request.query));
    const [recent, history, recoveryCodesLeft] = await Promise.all([
      // The chosen account was just read as the user's own: no need to check it twice more.
      listOwnedAccountTransactions(app.ctx, account, { limit: RECENT }),
      balanceHistory(app.ctx, account, 30),
      // Issue 13: "fewer than three recovery codes left" (one read, in parallel with the others).
      recoveryCodesRunningLow(app.ctx, session.userId),
    ]);
    const timeZone = session.timeZone;
    const query = account.id === accounts[0]?.id ? '' : `?account=${encodeURIComponent(account.id)}`;
    return renderPage(reply, 'dashboard', {
      title: 'Dashboard',
      account: {
        id: account.id,
        name: account.name,
        number: formatAccountNumber(account.number),
        balance: formatMoney(account.balanceMinor, account.currency),
        // Holds (issue 14 item 2): what is free to spend, shown only when pending holds reserve part of it.
        available: account.availableMinor !== account.balanceMinor ? formatMoney(account.availableMinor, account.currency) : null,
        currency: account.currency,
        frozen: frozenNotice(account),
        closed: account.status === 'closed',
        query,
      },
      accounts: accounts.map((a) => accountRow(a, account.id)),
      totals: totalsByCurrency(accounts),
      recent: recent.data.map((t) => transactionRow(t, timeZone)),
      hasMore: recent.hasMore,
      chart: balanceChart(history.points, history.currency),
      recoveryCodesLeft,
    });
  });
}
