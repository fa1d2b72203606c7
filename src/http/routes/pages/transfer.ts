/**
 * Sending money, in two steps: the form posts to a review page that names the payee (resolved by
 * the same rules the transfer uses) before anything moves; "Send" posts again with step=confirm.
 * The idempotency key is made when the form is first shown and travels through review, so a double
 * click or a reload of the confirmation moves the money once.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { previewPayee } from '../../../app/preview-transfer.js';
import { isDomainError } from '../../../domain/errors.js';
import { errorStatus } from '../../error-status.js';
import { formatAccountNumber, formatMoney } from '../../pages/format.js';
import { errorItems, field, parseFormKey, type FieldErrors } from '../../pages/forms.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { parseMovementFields, readMovementFields, refusalField, refusalMessage, runMovement, type MovementFields } from '../../pages/movement-form.js';
import { primaryAccount } from '../../pages/primary-account.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

const ORDER = ['form', 'to', 'amount', 'memo'];
const PAYEE_MAX_CHARS = 64;

interface TransferFields extends MovementFields {
  to: string;
}

export default async function transferPages(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;

  const showForm = async (reply: FastifyReply, userId: string, values: TransferFields, errors: FieldErrors, status: number) => {
    const account = await primaryAccount(ctx, userId);
    return renderPage(
      reply,
      'transfer',
      { title: 'Send money', balance: formatMoney(account.balanceMinor, account.currency), currency: account.currency, values, errors: errorItems(errors, ORDER) },
      status,
    );
  };

  app.get('/transfer', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const to = (request.query as { to?: unknown }).to;
    const prefill = typeof to === 'string' ? to.slice(0, PAYEE_MAX_CHARS) : '';
    return showForm(reply, sessionOf(request).userId, { to: prefill, amount: '', memo: '', formKey: ctx.random.uuid() }, {}, 200);
  });

  app.post('/transfer', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const session = sessionOf(request);
    const account = await primaryAccount(ctx, session.userId);
    const fields: TransferFields = { ...readMovementFields(request), to: field(request, 'to').trim() };
    const step = field(request, 'step');
    const keepKey = parseFormKey(fields.formKey) ?? ctx.random.uuid();

    if (step === 'edit') return showForm(reply, session.userId, { ...fields, formKey: keepKey }, {}, 200);

    const errors: FieldErrors = {};
    if (fields.to === '') errors.to = 'Enter the username or account number of the person you are paying.';
    else if (fields.to.length > PAYEE_MAX_CHARS) errors.to = 'That is not a username or account number.';
    const parsed = parseMovementFields(ctx, fields, account.currency, errors);
    if (!parsed || errors.to) return showForm(reply, session.userId, { ...fields, formKey: keepKey }, errors, 400);

    if (step !== 'confirm') {
      try {
        const payee = await previewPayee(ctx, session.userId, account.id, fields.to);
        return renderPage(reply, 'transfer-review', {
          title: 'Check and send',
          values: fields,
          payee: { username: payee.username, accountNumber: formatAccountNumber(payee.accountNumber) },
          amount: formatMoney(parsed.amountMinor, account.currency),
          memo: parsed.memo,
          from: formatAccountNumber(account.number),
        });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        // A mistyped account number is 400 with "check the account number" beside the payee field
        // (issue 11 class 3); it is never looked up as a username.
        errors[refusalField(error)] = error.message;
        return showForm(reply, session.userId, { ...fields, formKey: keepKey }, errors, errorStatus[error.code]);
      }
    }

    const outcome = await runMovement(ctx, session.userId, '/transfer', parsed.formKey, {
      type: 'transfer',
      fromAccountId: account.id,
      to: fields.to,
      amountMinor: parsed.amountMinor,
      memo: parsed.memo,
    }, { sessionHandle: session.handle });
    if (outcome.ok) {
      const payee = outcome.moved.transaction.counterparty?.username ?? fields.to;
      return redirectWithFlash(reply, '/dashboard', { kind: 'success', text: `Sent ${formatMoney(parsed.amountMinor, account.currency)} to ${payee}.` });
    }
    errors[refusalField(outcome.error)] = refusalMessage(outcome.error);
    return showForm(reply, session.userId, { ...fields, formKey: ctx.random.uuid() }, errors, errorStatus[outcome.error.code]);
  });
}
