/**
 * History: newest first, keyset pages (the "older" link carries the last id), filtered by date and
 * type, each row with its running balance; the same filter as a streamed CSV file.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { listTransactions, PAGE_SIZE_MAX, type TransactionQuery } from '../../../app/list-transactions.js';
import type { AppContext } from '../../../app/context.js';
import { isDomainError } from '../../../domain/errors.js';
import { formatDecimal } from '../../../domain/money.js';
import { csvLine, csvText, csvValue } from '../../pages/csv.js';
import { formatMoney, isoDate, isoTime } from '../../pages/format.js';
import { errorItems } from '../../pages/forms.js';
import { filterQueryString, parseHistoryFilter, type HistoryFilter } from '../../pages/history-filter.js';
import { accountOption, pageAccounts } from '../../pages/primary-account.js';
import { transactionRow } from '../../pages/transaction-rows.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

const PAGE_SIZE = 20;
const CSV_HEADER = ['date', 'transaction_id', 'type', 'direction', 'amount', 'balance', 'currency', 'counterparty', 'counterparty_account', 'memo'];

export default async function transactionsPages(app: FastifyInstance): Promise<void> {
  historyPage(app);
  csvExport(app);
}

/** "Clear filter": the same account's whole history (issue 14: the account is a choice, not a filter to drop). */
const clearFilterUrl = (values: HistoryFilter['values']) => `/transactions${filterQueryString({ account: values.account, from: '', to: '', type: '' })}`;

/** GET /transactions: the history, filtered and paged (keyset), with the running balance. */
function historyPage(app: FastifyInstance): void {
  const ctx = app.ctx;
  app.get('/transactions', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    const raw = request.query as Record<string, unknown>;
    const filter = parseHistoryFilter(raw);
    const { accounts, account } = await pageAccounts(ctx, session.userId, filter.values.account);
    const after = typeof raw.after === 'string' && raw.after !== '' ? raw.after : undefined;
    let rows: ReturnType<typeof transactionRow>[] = [];
    let hasMore = false;
    if (Object.keys(filter.errors).length === 0) {
      try {
        const page = await listTransactions(ctx, session.userId, { accountId: account.id, limit: PAGE_SIZE, startingAfter: after, ...filter.query });
        rows = page.data.map((t) => transactionRow(t, session.timeZone));
        hasMore = page.hasMore;
      } catch (error) {
        if (!isDomainError(error) || error.param !== 'starting_after') throw error;
        filter.errors.form = 'That page of history no longer exists. Showing the newest transactions instead.';
        return reply.redirect(`/transactions${filterQueryString(filter.values)}`, 303);
      }
    }
    const last = rows[rows.length - 1];
    return renderPage(
      reply,
      'transactions',
      {
        title: 'Transactions',
        balance: formatMoney(account.balanceMinor, account.currency),
        filter: filter.values,
        accountOptions: accounts.map(accountOption),
        accountId: account.id,
        errors: errorItems(filter.errors, ['from', 'to', 'type']),
        rows,
        isFirstPage: after === undefined,
        firstPageUrl: `/transactions${filterQueryString(filter.values)}`,
        olderUrl: hasMore && last ? `/transactions${filterQueryString(filter.values, last.id)}` : null,
        csvUrl: `/transactions.csv${filterQueryString(filter.values)}`,
        clearUrl: clearFilterUrl(filter.values),
        filtered: Boolean(filter.values.from || filter.values.to || (filter.values.type && filter.values.type !== 'all')),
      },
      Object.keys(filter.errors).length > 0 ? 400 : 200,
    );
  });
}

/** GET /transactions.csv: the same history as a file, safe in every spreadsheet dialect (csv.ts). */
function csvExport(app: FastifyInstance): void {
  const ctx = app.ctx;
  app.get('/transactions.csv', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    const filter = parseHistoryFilter(request.query as Record<string, unknown>);
    const { accounts, account } = await pageAccounts(ctx, session.userId, filter.values.account);
    if (Object.keys(filter.errors).length > 0) {
      return renderPage(
        reply,
        'transactions',
        {
          title: 'Transactions',
          balance: formatMoney(account.balanceMinor, account.currency),
          filter: filter.values,
          accountOptions: accounts.map(accountOption),
          accountId: account.id,
          errors: errorItems(filter.errors, ['from', 'to', 'type']),
          rows: [],
          isFirstPage: true,
          firstPageUrl: '/transactions',
          olderUrl: null,
          csvUrl: '/transactions.csv',
          clearUrl: clearFilterUrl(filter.values),
          filtered: true,
        },
        400,
      );
    }
    const name = `minibank-${account.number}-${isoDate(BigInt(ctx.clock.nowMs()))}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-content-type-options', 'nosniff')
      .send(Readable.from(csvLines(ctx, session.userId, { accountId: account.id, ...filter.query })));
  });
}

/** The file, a page of at most 100 rows at a time (keyset), so memory stays flat however long the history. */
async function* csvLines(ctx: AppContext, userId: string, query: TransactionQuery): AsyncGenerator<string> {
  yield csvLine(CSV_HEADER.map(csvValue));
  let startingAfter: string | undefined;
  for (;;) {
    const page = await listTransactions(ctx, userId, { ...query, limit: PAGE_SIZE_MAX, startingAfter });
    let chunk = '';
    for (const t of page.data) {
      const signed = t.direction === 'debit' ? -t.amountMinor : t.amountMinor;
      chunk += csvLine([
        csvValue(isoTime(t.createdAtMs)),
        csvValue(t.id),
        csvValue(t.type),
        csvValue(t.direction),
        csvValue(formatDecimal(signed, t.currency)),
        csvValue(formatDecimal(t.balanceAfterMinor, t.currency)),
        csvValue(t.currency),
        csvText(t.counterparty?.username ?? ''),
        csvValue(t.counterparty?.accountNumber ?? ''),
        csvText(t.memo ?? ''),
      ]);
    }
    if (chunk) yield chunk;
    const last = page.data[page.data.length - 1];
    if (!page.hasMore || !last) return;
    startingAfter = last.id;
  }
}
