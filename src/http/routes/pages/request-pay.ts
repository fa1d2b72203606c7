/**
 * Paying a payment request from the web (issue 14 item 4): GET /requests/:id/pay is the transfer
 * review step (the same template as /transfer/review), prefilled from the request and naming the
 * requester, the amount and the account it comes from; "Send" posts to /requests/:id/pay, which pays
 * the request (one transfer linked to it) and answers 303 to /requests. The hidden idempotency key
 * makes a double click or a reload replay the first answer; a request already paid is refused
 * (409) whatever the key, so Back-and-Send never pays twice. Step-up applies as for a transfer, in
 * the transfer review's way (src/app/web-step-up.ts): a TOTP user gets the code field, a user with
 * passkeys the "Confirm with a passkey" button, a user with both gets both.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { requestFingerprint, webIdempotencyKey } from '../../../app/idempotency.js';
import { getPaymentRequest } from '../../../app/list-payment-requests.js';
import { payPaymentRequest } from '../../../app/pay-payment-request.js';
import { stepUpWays } from '../../../app/step-up.js';
import { requireWebStepUp } from '../../../app/web-step-up.js';
import { DomainError, isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { errorStatus } from '../../error-status.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { formatAccountNumber, formatMoney } from '../../pages/format.js';
import { errorItems, field, parseFormKey, type FieldErrors } from '../../pages/forms.js';
import { pageAccounts } from '../../pages/primary-account.js';
import { placeStepUpError, stepUpProof, stepUpView } from '../../pages/step-up-form.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

/**
 * The review of request `id` for its payer, paying from `accountId` (or their first open account in
 * its currency), with `errors` at `status`. Not the payer's request: 404 page. No longer pending, or
 * no open account in its currency: back to /requests with a note.
 */
async function showReview(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
  accountId: string,
  errors: FieldErrors = {},
  status = 200,
) {
  const session = sessionOf(request);
  const r = await getPaymentRequest(ctx, session.userId, id);
  if (r.payer.username !== session.username) throw new DomainError('not_found', 'No such payment request.');
  if (r.status !== 'pending') return redirectWithFlash(reply, '/requests', { kind: 'info', text: `That request is ${r.status}; nothing was sent.` });
  const { accounts } = await pageAccounts(ctx, session.userId);
  const payable = accounts.filter((a) => a.status === 'active' && a.currency === r.currency);
  const from = payable.find((a) => a.id === accountId) ?? payable[0];
  if (!from) return redirectWithFlash(reply, '/requests', { kind: 'info', text: `You have no open ${r.currency} account to pay this request from.` });
  const amount = formatMoney(r.amountMinor, r.currency);
  const ways = await stepUpWays(ctx, session.userId, r.amountMinor);
  return renderPage(
    reply,
    'transfer-review',
    {
      title: 'Check and pay',
      values: { formKey: parseFormKey(field(request, 'idempotency_key')) ?? ctx.random.uuid(), to: r.requester.username, amount, memo: r.memo ?? '' },
      payee: { username: r.requester.username, accountNumber: formatAccountNumber(r.requester.accountNumber) },
      amount,
      memo: r.memo,
      from: formatAccountNumber(from.number),
      fromName: from.name,
      action: `/requests/${encodeURIComponent(r.id)}/pay`,
      fromAccountId: from.id,
      backHref: '/requests',
      ...stepUpView(ways),
      errors: errorItems(placeStepUpError(errors, ways), ['form', 'mfa_code']),
    },
    status,
  );
}

export default async function requestPayPages(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;

  app.get('/requests/:id/pay', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const account = (request.query as { account?: unknown }).account;
    return showReview(ctx, request, reply, id, typeof account === 'string' ? account : '');
  });

  app.post('/requests/:id/pay', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const session = sessionOf(request);
    const { id } = request.params as { id: string };
    const accountId = field(request, 'account');
    const formKey = parseFormKey(field(request, 'idempotency_key'));
    if (!formKey) return showReview(ctx, request, reply, id, accountId, { form: 'This form has expired. Check the details and send again.' }, 400);
    const key = webIdempotencyKey(formKey);
    try {
      const r = await getPaymentRequest(ctx, session.userId, id);
      if (r.payer.username === session.username) await requireWebStepUp(ctx, session.userId, r.amountMinor, stepUpProof(request), key, clientInfo(request));
      const fingerprint = requestFingerprint(['POST', '/requests/:id/pay', id, accountId]);
      const { outcome } = await payPaymentRequest(
        ctx,
        session.userId,
        { requestId: id, fromAccountId: accountId },
        { key, requestHash: fingerprint },
        {
          sessionHandle: session.handle,
        },
      );
      if (outcome.kind === 'paid') {
        const text = `Paid ${formatMoney(outcome.transaction.amountMinor, outcome.transaction.currency)} to ${outcome.paymentRequest.requester.username}.`;
        return redirectWithFlash(reply, '/requests', { kind: 'success', text });
      }
      throw new DomainError(outcome.code, outcome.message, outcome.param);
    } catch (error) {
      if (!isDomainError(error) || error.code === 'not_found') throw error;
      if (error.code === 'request_not_pending') return redirectWithFlash(reply, '/requests', { kind: 'info', text: error.message });
      const where = error.code === 'step_up_required' ? 'mfa_code' : 'form';
      return showReview(ctx, request, reply, id, accountId, { [where]: error.message }, errorStatus[error.code]);
    }
  });
}
