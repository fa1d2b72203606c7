/**
 * The self-service deposits report in the console (issue 15 item 5), for admins: who added how
 * much money with "Add money" and when, newest first, filtered by a date range (whole UTC days,
 * both ends included, as on /transactions), totals per currency over the whole range, 50 a page
 * (keyset: `after=<deposit id>`), and the same range as a CSV file whose text cells are defused
 * for spreadsheets (pages/csv.ts). Read only; each page and each export is an audited look.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { depositsReport, exportDeposits, type DepositRange, type DepositRow } from '../../../app/deposits-report.js';
import type { Looker } from '../../../app/staff-looks.js';
import { isDomainError } from '../../../domain/errors.js';
import { formatDecimal } from '../../../domain/money.js';
import { clientInfo } from '../../client-info.js';
import { csvLine, csvText, csvValue } from '../../pages/csv.js';
import { formatAccountNumber, formatDateTime, formatMoney, isoDate, isoTime } from '../../pages/format.js';
import { errorItems } from '../../pages/forms.js';
import { parseHistoryFilter } from '../../pages/history-filter.js';
import { sessionOf } from '../../plugins/session.js';
import { staffOf } from '../../plugins/staff-access.js';
import { renderConsole } from './admin.js';

const CSV_HEADER = ['date', 'transaction_id', 'username', 'account_number', 'amount', 'currency', 'reversed', 'memo'];
const page = { config: { auth: 'session', limit: 'global', staff: 'admin' } } as const;

const looker = (request: FastifyRequest): Looker => ({ staff: staffOf(request), client: clientInfo(request), reason: null });

/** The date range from the query string (`from`, `to`: YYYY-MM-DD), its values as typed, and errors beside the fields. */
function rangeOf(request: FastifyRequest) {
  const raw = request.query as Record<string, unknown>;
  const filter = parseHistoryFilter({ from: raw.from, to: raw.to });
  const range: DepositRange = { fromMs: filter.query.fromMs, toMs: filter.query.toMs };
  const params = new URLSearchParams();
  if (filter.values.from) params.set('from', filter.values.from);
  if (filter.values.to) params.set('to', filter.values.to);
  const after = typeof raw.after === 'string' && raw.after !== '' ? raw.after : undefined;
  return { values: filter.values, range, errors: filter.errors, params, after };
}

const depositRow = (d: DepositRow, timeZone: string) => ({
  id: d.id,
  when: formatDateTime(d.createdAtMs, timeZone),
  whenIso: isoTime(d.createdAtMs),
  username: d.username ?? '',
  userHref: d.userId ? `/admin/users/${encodeURIComponent(d.userId)}` : null,
  accountNumber: formatAccountNumber(d.accountNumber),
  amount: formatMoney(d.amountMinor, d.currency),
  memo: d.memo ?? '',
  reversed: d.reversed,
  href: `/admin/transactions/${encodeURIComponent(d.id)}`,
});

export default async function adminDepositPages(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;

  app.get('/admin/deposits', page, async (request, reply) => {
    const { values, range, errors, params, after } = rangeOf(request);
    const query = params.toString() ? `?${params.toString()}` : '';
    const base = {
      title: 'Deposits',
      filter: values,
      csvUrl: `/admin/deposits.csv${query}`,
      firstPageUrl: `/admin/deposits${query}`,
      isFirstPage: after === undefined,
    };
    const shown = {
      rows: [] as ReturnType<typeof depositRow>[],
      totals: [] as { currency: string; count: string; amount: string; reversed: string }[],
      olderUrl: null as string | null,
    };
    if (Object.keys(errors).length === 0) {
      try {
        const report = await depositsReport(ctx, looker(request), range, after);
        const timeZone = sessionOf(request).timeZone;
        shown.rows = report.data.map((d) => depositRow(d, timeZone));
        shown.totals = report.totals.map((t) => ({
          currency: t.currency,
          count: t.count.toString(),
          amount: formatMoney(t.amountMinor, t.currency),
          reversed: formatMoney(t.reversedMinor, t.currency),
        }));
        const last = report.data[report.data.length - 1];
        if (report.hasMore && last) shown.olderUrl = `/admin/deposits?${new URLSearchParams([...params, ['after', last.id]]).toString()}`;
      } catch (error) {
        if (!isDomainError(error) || error.param !== 'after') throw error;
        return reply.redirect(base.firstPageUrl, 303);
      }
    }
    return renderConsole(
      request,
      reply,
      'admin-deposits',
      { ...base, ...shown, errors: errorItems(errors, ['from', 'to']) },
      Object.keys(errors).length > 0 ? 400 : 200,
    );
  });

  app.get('/admin/deposits.csv', page, async (request, reply) => {
    const { values, range, errors } = rangeOf(request);
    if (Object.keys(errors).length > 0) {
      const base = { title: 'Deposits', filter: values, csvUrl: '/admin/deposits.csv', firstPageUrl: '/admin/deposits', isFirstPage: true };
      return renderConsole(
        request,
        reply,
        'admin-deposits',
        { ...base, rows: [], totals: [], olderUrl: null, errors: errorItems(errors, ['from', 'to']) },
        400,
      );
    }
    const name = `minibank-deposits-${values.from || 'start'}-to-${values.to || isoDate(BigInt(ctx.clock.nowMs()))}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-content-type-options', 'nosniff')
      .send(Readable.from(csvLines(ctx, looker(request), range)));
  });
}

/** The file: a header, then each deposit; usernames and memos are text cells (defused), the rest inert values. */
async function* csvLines(ctx: AppContext, who: Looker, range: DepositRange): AsyncGenerator<string> {
  yield csvLine(CSV_HEADER.map(csvValue));
  for await (const chunk of exportDeposits(ctx, who, range)) {
    yield chunk
      .map((d) =>
        csvLine([
          csvValue(isoTime(d.createdAtMs)),
          csvValue(d.id),
          csvText(d.username ?? ''),
          csvValue(d.accountNumber),
          csvValue(formatDecimal(d.amountMinor, d.currency)),
          csvValue(d.currency),
          csvValue(d.reversed ? 'yes' : 'no'),
          csvText(d.memo ?? ''),
        ]),
      )
      .join('');
  }
}
