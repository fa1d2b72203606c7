import type { FastifyInstance } from 'fastify';
import { balanceHistory } from '../../../app/balance-history.js';
import { listOwnedAccountTransactions } from '../../../app/list-transactions.js';
import { balanceChart } from '../../pages/balance-chart.js';
import { formatAccountNumber, formatMoney } from '../../pages/format.js';
import { primaryAccount } from '../../pages/primary-account.js';
import { transactionRow } from '../../pages/transaction-rows.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

const RECENT = 5;

export default async function dashboardPage(app: FastifyInstance): Promise<void> {
  app.get('/dashboard', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    const account = await primaryAccount(app.ctx, session.userId);
    const [recent, history] = await Promise.all([
      // The primary account was just read as the user's own: no need to check it twice more.
      listOwnedAccountTransactions(app.ctx, account, { limit: RECENT }),
      balanceHistory(app.ctx, account, 30),
    ]);
    const timeZone = session.timeZone;
    return renderPage(reply, 'dashboard', {
      title: 'Dashboard',
      account: {
        number: formatAccountNumber(account.number),
        balance: formatMoney(account.balanceMinor, account.currency),
        currency: account.currency,
        frozen: account.status === 'frozen',
      },
      recent: recent.data.map((t) => transactionRow(t, timeZone)),
      hasMore: recent.hasMore,
      chart: balanceChart(history.points, history.currency),
    });
  });
}
