/** Deposit and withdraw: one form each, POST-redirect-GET, safe to resubmit (hidden idempotency key). */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorStatus } from '../../error-status.js';
import { amountExample, formatMoney } from '../../pages/format.js';
import { frozenNotice } from '../../pages/frozen-notice.js';
import { errorItems, field, parseFormKey, type FieldErrors } from '../../pages/forms.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { parseMovementFields, readMovementFields, refusalField, refusalMessage, runMovement, type MovementFields } from '../../pages/movement-form.js';
import { accountOption, pageAccounts, primaryAccount, requestedAccount } from '../../pages/primary-account.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';
import { assertSelfServiceDepositsOn, SELF_SERVICE_DEPOSITS_EXPLAINED } from '../../../domain/self-service-deposits.js';

const KINDS = {
  deposit: { path: '/deposit', type: 'deposit', title: 'Add money', verb: 'Add', done: 'Added', explained: SELF_SERVICE_DEPOSITS_EXPLAINED },
  withdraw: { path: '/withdraw', type: 'withdrawal', title: 'Withdraw money', verb: 'Withdraw', done: 'Withdrew', explained: null },
} as const;

const ORDER = ['form', 'amount', 'memo'];

export default async function moneyPages(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;

  // Signed out: the login redirect as for every page; signed in with deposits off: the 403 page, nothing moved.
  const depositsOn = async () => assertSelfServiceDepositsOn(ctx.config.selfServiceDeposits);

  for (const [kind, page] of Object.entries(KINDS)) {
    const preHandler = kind === 'deposit' ? [depositsOn] : [];
    // `accountId`: the account chosen on the page (issue 14 item 1; default the first open one).
    const show = async (reply: FastifyReply, userId: string, values: MovementFields, errors: FieldErrors, status: number, accountId?: string) => {
      const { accounts, account } = await pageAccounts(ctx, userId, accountId);
      return renderPage(
        reply,
        'money-form',
        {
          title: page.title,
          kind,
          page,
          // "Available balance" on the form: the balance less what pending holds reserve (issue 14).
          balance: formatMoney(account.availableMinor, account.currency),
          currency: account.currency,
          accountOptions: accounts.filter((a) => a.status !== 'closed' || a.id === account.id).map(accountOption),
          accountId: account.id,
          // Issue 15: a frozen account's form says so, and why, before anyone types an amount.
          frozen: frozenNotice(account),
          amountExample: amountExample(account.currency),
          values,
          errors: errorItems(errors, ORDER),
        },
        status,
      );
    };

    app.get(page.path, { preHandler, config: { auth: 'session', limit: 'global' } }, async (request, reply) =>
      show(reply, sessionOf(request).userId, { amount: '', memo: '', formKey: ctx.random.uuid() }, {}, 200, requestedAccount(request.query)),
    );

    app.post(page.path, { preHandler, config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
      const session = sessionOf(request);
      const account = await primaryAccount(ctx, session.userId, field(request, 'account'));
      const fields = readMovementFields(request);
      const errors: FieldErrors = {};
      const parsed = parseMovementFields(ctx, fields, account.currency, errors);
      if (!parsed) return show(reply, session.userId, { ...fields, formKey: parseFormKey(fields.formKey) ?? ctx.random.uuid() }, errors, 400, account.id);
      const outcome = await runMovement(
        ctx,
        session.userId,
        page.path,
        parsed.formKey,
        {
          type: page.type,
          accountId: account.id,
          amountMinor: parsed.amountMinor,
          memo: parsed.memo,
        },
        { sessionHandle: session.handle },
      );
      if (outcome.ok) {
        return redirectWithFlash(reply, '/dashboard', { kind: 'success', text: `${page.done} ${formatMoney(parsed.amountMinor, account.currency)}.` });
      }
      // The key is now spent on this refusal; a corrected form needs a fresh one.
      errors[refusalField(outcome.error)] = refusalMessage(outcome.error);
      return show(reply, session.userId, { ...fields, formKey: ctx.random.uuid() }, errors, errorStatus[outcome.error.code], account.id);
    });
  }
}
