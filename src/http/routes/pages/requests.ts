/**
 * /requests (issue 14 items 3 and 4): the payment requests a user was sent (incoming: pay or
 * decline) and sent (outgoing: cancel), and a form to ask someone for money. Every change is a POST
 * with its CSRF token answered 303 back to /requests (POST-redirect-GET); paying goes through the
 * review step (request-pay.ts). Works without JavaScript.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerPaymentRequest, type RequestAnswer } from '../../../app/answer-payment-request.js';
import type { AppContext } from '../../../app/context.js';
import { createPaymentRequest } from '../../../app/create-payment-request.js';
import { listPaymentRequests } from '../../../app/list-payment-requests.js';
import { DomainError, isDomainError } from '../../../domain/errors.js';
import { parseMemo } from '../../../domain/memo.js';
import { parseDecimalAmount } from '../../../domain/money.js';
import { errorStatus } from '../../error-status.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { amountExample, formatMoney } from '../../pages/format.js';
import { errorItems, field, tryField, type FieldErrors } from '../../pages/forms.js';
import { pageAccounts } from '../../pages/primary-account.js';
import { openAccountOptions, requestRow } from '../../pages/request-rows.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

const ORDER = ['form', 'from', 'amount', 'memo', 'account'];
/** How many of each list the page shows (the newest); the API pages through the rest. */
const LIST_SIZE = 50;

export interface AskFields {
  from: string;
  amount: string;
  memo: string;
  account: string;
}

/** Renders /requests: both lists, the form (with `values` and `errors`), at `status`. */
export async function showRequests(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  form: { values?: AskFields; errors?: FieldErrors; status?: number } = {},
) {
  const session = sessionOf(request);
  const [{ accounts, account }, incoming, outgoing] = await Promise.all([
    pageAccounts(ctx, session.userId),
    listPaymentRequests(ctx, session.userId, { role: 'incoming', limit: LIST_SIZE }),
    listPaymentRequests(ctx, session.userId, { role: 'outgoing', limit: LIST_SIZE }),
  ]);
  const values = form.values ?? { from: '', amount: '', memo: '', account: account.id };
  const chosen = accounts.find((a) => a.id === values.account) ?? account;
  return renderPage(
    reply,
    'requests',
    {
      title: 'Payment requests',
      values,
      errors: errorItems(form.errors ?? {}, ORDER),
      accounts: openAccountOptions(accounts),
      amountExample: amountExample(chosen.currency),
      currency: chosen.currency,
      // Each request offers the payer's open accounts in its currency to pay from.
      incoming: incoming.data.map((r) => ({ ...requestRow(r, true, session.timeZone), payFrom: openAccountOptions(accounts, r.currency) })),
      outgoing: outgoing.data.map((r) => requestRow(r, false, session.timeZone)),
      pendingIncoming: incoming.data.filter((r) => r.status === 'pending').length,
    },
    form.status ?? 200,
  );
}

/** Where a refusal of the ask form is shown. */
function askField(error: DomainError): string {
  if (error.param === 'from' || error.code === 'same_account' || error.code === 'currency_mismatch') return 'from';
  if (error.param === 'amount') return 'amount';
  if (error.param === 'memo') return 'memo';
  if (error.param === 'to_account_id') return 'account';
  return 'form';
}

export default async function requestPages(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;

  app.get('/requests', { config: { auth: 'session', limit: 'global' } }, (request, reply) => showRequests(ctx, request, reply));

  app.post('/requests', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const session = sessionOf(request);
    const values: AskFields = {
      from: field(request, 'from').trim(),
      amount: field(request, 'amount'),
      memo: field(request, 'memo'),
      account: field(request, 'account'),
    };
    const { account } = await pageAccounts(ctx, session.userId, values.account);
    const errors: FieldErrors = {};
    if (values.from === '') errors.from = 'Enter the username or account number of the person you are asking.';
    const amountMinor = tryField(errors, 'amount', () => {
      const minor = parseDecimalAmount(values.amount, account.currency);
      if (minor > BigInt(ctx.config.maxAmountMinor)) throw new DomainError('invalid_amount', 'That amount is above the limit for one operation.', 'amount');
      return minor;
    });
    const memo = tryField(errors, 'memo', () => parseMemo(values.memo));
    if (Object.keys(errors).length > 0 || amountMinor === undefined || memo === undefined)
      return showRequests(ctx, request, reply, { values, errors, status: 400 });
    try {
      const created = await createPaymentRequest(ctx, session.userId, { toAccountId: account.id, from: values.from, amountMinor, memo });
      return redirectWithFlash(reply, '/requests', {
        kind: 'success',
        text: `Asked ${created.payer.username} for ${formatMoney(created.amountMinor, created.currency)}.`,
      });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return showRequests(ctx, request, reply, { values, errors: { [askField(error)]: error.message }, status: errorStatus[error.code] });
    }
  });

  const answerRoute = (answer: RequestAnswer, done: string) =>
    app.post(`/requests/:id/${answer}`, { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      try {
        const r = await answerPaymentRequest(ctx, sessionOf(request).userId, id, answer);
        return redirectWithFlash(reply, '/requests', { kind: 'success', text: `${done} the request for ${formatMoney(r.amountMinor, r.currency)}.` });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        return showRequests(ctx, request, reply, { errors: { form: error.message }, status: errorStatus[error.code] });
      }
    });
  answerRoute('decline', 'Declined');
  answerRoute('cancel', 'Cancelled');
}
