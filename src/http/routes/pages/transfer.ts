/**
 * Sending money, in two steps: the form posts, and is answered 303 to a GET review page that names
 * the payee (resolved by the same rules the transfer uses) and has checked the balance, before
 * anything moves; "Send" posts again with step=confirm and is answered 303 to the dashboard. Every
 * page a person can go Back to is a GET, so the browser never offers to resubmit a form (issue 12
 * item 8). The idempotency key is made when the form is first shown and travels through review, so
 * a double click, a reload or a Back-and-Send moves the money once. A large transfer by a user with
 * a second factor is confirmed on the review step with a code or a passkey (issue 13 item 4). The
 * payer chooses which of their accounts sends (issue 14 item 1: a select, default the first open
 * one or the dashboard's `?account=`); the choice travels in the sealed review and the confirm form,
 * so paying one's own other account by its number moves money between one's own accounts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { webIdempotencyKey } from '../../../app/idempotency.js';
import { previewPayee } from '../../../app/preview-transfer.js';
import { stepUpWays, type StepUpWays } from '../../../app/step-up.js';
import { requireWebStepUp } from '../../../app/web-step-up.js';
import type { TransactionView } from '../../../app/views.js';
import { isDomainError } from '../../../domain/errors.js';
import { covers } from '../../../domain/movement-rules.js';
import { clientInfo } from '../../client-info.js';
import { errorStatus } from '../../error-status.js';
import { amountExample, formatAccountNumber, formatMoney } from '../../pages/format.js';
import { errorItems, field, parseFormKey, type FieldErrors } from '../../pages/forms.js';
import { frozenNotice } from '../../pages/frozen-notice.js';
import { redirectWithFlash } from '../../pages/flash.js';
import {
  parseMovementFields,
  readMovementFields,
  refusalField,
  refusalMessage,
  runMovement,
  type MovementFields,
  type ParsedMovement,
} from '../../pages/movement-form.js';
import { clearChallengeCookie } from '../../pages/passkey-http.js';
import { accountOption, pageAccounts, requestedAccount, type PageAccounts } from '../../pages/primary-account.js';
import { stepUpProof, stepUpView } from '../../pages/step-up-form.js';
import { reviewSealer, type ReviewSealer } from '../../pages/transfer-review-token.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

const ORDER = ['form', 'to', 'amount', 'memo'];
const PAYEE_MAX_CHARS = 64;

interface TransferFields extends MovementFields {
  /** The id of the payer's account chosen on the form ('' for the first open one). */
  account: string;
  to: string;
}

/** Who is paid, for the review page: `ownAccountName` when it is another of the payer's own accounts. */
interface PayeeShown {
  username: string | null;
  accountNumber: string;
  ownAccountName: string | null;
}

/** The review step's verdict: what the review page shows, or the refusals for the form. */
type Review = { ok: true; parsed: ParsedMovement; payee: PayeeShown } | { ok: false; errors: FieldErrors; status: number };

export default async function transferPages(app: FastifyInstance): Promise<void> {
  const sealer = reviewSealer(app.ctx.config);
  reviewPage(app, sealer);
  transferForm(app, sealer);
}

/** The form again, with the accounts the caller has already read (no second read); `account` is the chosen one. */
const showForm = (reply: FastifyReply, { accounts, account }: PageAccounts, values: TransferFields, errors: FieldErrors, status: number) => {
  return renderPage(
    reply,
    'transfer',
    {
      title: 'Send money',
      balance: formatMoney(account.availableMinor, account.currency),
      currency: account.currency,
      // Issue 14: which account sends; a closed one is offered only when it is the one asked for (it is then refused).
      accountOptions: accounts.filter((a) => a.status !== 'closed' || a.id === account.id).map(accountOption),
      accountId: account.id,
      accountLabel: 'From account',
      // Issue 15: a frozen account's form says so, and why (the account read brought the reason).
      frozen: frozenNotice(account),
      amountExample: amountExample(account.currency),
      values,
      errors: errorItems(errors, ORDER),
    },
    status,
  );
};

/** The typed fields, checked; refusals land in `errors` beside their field. */
const parseTransfer = (ctx: AppContext, fields: TransferFields, account: PageAccounts['account'], errors: FieldErrors): ParsedMovement | undefined => {
  if (fields.to === '') errors.to = 'Enter the username or account number of the person you are paying.';
  else if (fields.to.length > PAYEE_MAX_CHARS) errors.to = 'That is not a username or account number.';
  const parsed = parseMovementFields(ctx, fields, account.currency, errors);
  return parsed && !errors.to ? parsed : undefined;
};

/**
 * The review step's checks: the fields, the payee (a mistyped account number is 400 "check the
 * account number" beside the payee, issue 11 class 3, never looked up as a username), and whether
 * the balance read now covers the amount (issue 12 item 8; the overdraft rule's one home is
 * domain/movement-rules.ts). A display only: the movement decides again on the locked rows.
 */
const reviewTransfer = async (ctx: AppContext, userId: string, { accounts, account }: PageAccounts, fields: TransferFields): Promise<Review> => {
  const errors: FieldErrors = {};
  const parsed = parseTransfer(ctx, fields, account, errors);
  if (!parsed) return { ok: false, errors, status: 400 };
  try {
    const payee = await previewPayee(ctx, userId, account.id, fields.to);
    // Pending holds (issue 14) reserve part of the balance: what may be spent is the available balance.
    if (!covers({ kind: 'user', balance: account.balanceMinor, held: account.balanceMinor - account.availableMinor }, parsed.amountMinor)) {
      errors.amount = `Your available balance is ${formatMoney(account.availableMinor, account.currency)}, which does not cover this amount.`;
      return { ok: false, errors, status: errorStatus.insufficient_funds };
    }
    // Issue 14: paying one's own other account says so by its name.
    const own = accounts.find((a) => a.number === payee.accountNumber);
    return {
      ok: true,
      parsed,
      payee: { username: payee.username, accountNumber: formatAccountNumber(payee.accountNumber), ownAccountName: own?.name ?? null },
    };
  } catch (error) {
    if (!isDomainError(error)) throw error;
    errors[refusalField(error)] = error.message;
    return { ok: false, errors, status: errorStatus[error.code] };
  }
};

/** GET /transfer/review: the review page, checked again on every view. */
function reviewPage(app: FastifyInstance, sealer: ReviewSealer): void {
  const ctx = app.ctx;

  app.get('/transfer/review', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    const sealed = await sealer.open((request.query as { r?: unknown }).r, session.handle, ctx.clock.nowMs());
    if (!sealed) return redirectWithFlash(reply, '/transfer', { kind: 'info', text: 'That review has expired. Enter the details again.' });
    // The sealed account is one this session chose; it is read (and checked as the user's) again.
    const accounts = await pageAccounts(ctx, session.userId, sealed.account);
    const fields: TransferFields = { ...sealed };
    // Checked again on every view: the balance or the payee may have changed since the form was posted.
    const review = await reviewTransfer(ctx, session.userId, accounts, fields);
    if (!review.ok) return showForm(reply, accounts, fields, review.errors, review.status);
    return showReview(reply, accounts.account, fields, review, await stepUpWays(ctx, session.userId, review.parsed.amountMinor), {}, 200);
  });
}

/**
 * The review page: what will be sent, and (issue 13 item 4) the step-up it needs: a code field, a
 * passkey button, or both (stepUpView). Shown again with `errors` when a step-up was refused.
 */
const showReview = (
  reply: FastifyReply,
  account: PageAccounts['account'],
  fields: TransferFields,
  review: Extract<Review, { ok: true }>,
  ways: StepUpWays | null,
  errors: FieldErrors,
  status: number,
) =>
  renderPage(
    reply,
    'transfer-review',
    {
      title: 'Check and send',
      values: fields,
      payee: review.payee,
      amount: formatMoney(review.parsed.amountMinor, account.currency),
      memo: review.parsed.memo,
      from: formatAccountNumber(account.number),
      fromName: account.name,
      // The confirm form posts the paying account again (a hidden field), as it does for a payment request.
      fromAccountId: account.id,
      ...stepUpView(ways),
      errors: errorItems(errors, ['form', 'mfa_code']),
    },
    status,
  );

/**
 * The step-up of a confirmed transfer (src/app/web-step-up.ts), before anything moves. False when it
 * passed; true when it was refused and the review page was sent again with the refusal beside the
 * code field (403), the same key kept. (A boolean: a FastifyReply is thenable, so an async function
 * returning one would resolve to what the reply resolves to, not to the reply.)
 */
async function refusedStepUp(request: FastifyRequest, reply: FastifyReply, accounts: PageAccounts, fields: TransferFields, parsed: ParsedMovement) {
  const ctx = request.server.ctx;
  const userId = sessionOf(request).userId;
  try {
    await requireWebStepUp(ctx, userId, parsed.amountMinor, stepUpProof(request), webIdempotencyKey(parsed.formKey), clientInfo(request));
    return false;
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'step_up_required') throw error;
    const review = await reviewTransfer(ctx, userId, accounts, fields);
    if (!review.ok) showForm(reply, accounts, fields, review.errors, review.status);
    else {
      const ways = await stepUpWays(ctx, userId, parsed.amountMinor);
      showReview(reply, accounts.account, fields, review, ways, { [ways?.code ? 'mfa_code' : 'form']: error.message }, errorStatus.step_up_required);
    }
    return true;
  }
}

/** GET /transfer shows the form; POST /transfer edits, reviews (303 to the review page) or sends. */
function transferForm(app: FastifyInstance, sealer: ReviewSealer): void {
  const ctx = app.ctx;

  app.get('/transfer', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const to = (request.query as { to?: unknown }).to;
    const prefill = typeof to === 'string' ? to.slice(0, PAYEE_MAX_CHARS) : '';
    // `?account=`: the dashboard's Send link for the account shown there (another user's id: 404).
    const accounts = await pageAccounts(ctx, sessionOf(request).userId, requestedAccount(request.query));
    return showForm(reply, accounts, { account: accounts.account.id, to: prefill, amount: '', memo: '', formKey: ctx.random.uuid() }, {}, 200);
  });

  app.post('/transfer', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const session = sessionOf(request);
    // The account chosen on the form (another user's id: 404, nothing read of theirs).
    const accounts = await pageAccounts(ctx, session.userId, field(request, 'account'));
    const account = accounts.account;
    const fields: TransferFields = { ...readMovementFields(request), account: account.id, to: field(request, 'to').trim() };
    const step = field(request, 'step');
    const keepKey = parseFormKey(fields.formKey) ?? ctx.random.uuid();

    if (step === 'edit') return showForm(reply, accounts, { ...fields, formKey: keepKey }, {}, 200);

    if (step !== 'confirm') {
      const review = await reviewTransfer(ctx, session.userId, accounts, fields);
      if (!review.ok) return showForm(reply, accounts, { ...fields, formKey: keepKey }, review.errors, review.status);
      const token = await sealer.seal({ ...fields, formKey: review.parsed.formKey }, session.handle, ctx.clock.nowMs());
      return reply.redirect(`/transfer/review?r=${token}`, 303);
    }

    const errors: FieldErrors = {};
    const parsed = parseTransfer(ctx, fields, account, errors);
    if (!parsed) return showForm(reply, accounts, { ...fields, formKey: keepKey }, errors, 400);
    // A passkey's challenge is single use whatever happens next: the browser's cookie for it goes.
    if (field(request, 'credential') !== '') clearChallengeCookie(reply);
    if (await refusedStepUp(request, reply, accounts, { ...fields, formKey: parsed.formKey }, parsed)) return reply;

    const outcome = await runMovement(
      ctx,
      session.userId,
      '/transfer',
      parsed.formKey,
      {
        type: 'transfer',
        fromAccountId: account.id,
        to: fields.to,
        amountMinor: parsed.amountMinor,
        memo: parsed.memo,
      },
      { sessionHandle: session.handle },
    );
    if (outcome.ok) return redirectWithFlash(reply, dashboardOf(accounts), { kind: 'success', text: sentText(accounts, outcome.moved.transaction, fields.to) });
    errors[refusalField(outcome.error)] = refusalMessage(outcome.error);
    // Read again: a refusal such as insufficient_funds may come from money that left meanwhile.
    const current = await pageAccounts(ctx, session.userId, account.id);
    return showForm(reply, current, { ...fields, formKey: ctx.random.uuid() }, errors, errorStatus[outcome.error.code]);
  });
}

/** Where a sent transfer lands: the dashboard of the account it came from (as the dashboard's own links say it). */
const dashboardOf = ({ accounts, account }: PageAccounts) =>
  account.id === accounts[0]?.id ? '/dashboard' : `/dashboard?account=${encodeURIComponent(account.id)}`;

/** The success note: "Sent $3.00 to bob.", or between one's own accounts "Moved $3.00 from Main to Savings." */
function sentText({ accounts, account }: PageAccounts, transaction: TransactionView, typedTo: string): string {
  const amount = formatMoney(transaction.amountMinor, transaction.currency);
  const own = accounts.find((a) => a.number === transaction.counterparty?.accountNumber);
  if (own) return `Moved ${amount} from ${account.name} to ${own.name}.`;
  return `Sent ${amount} to ${transaction.counterparty?.username ?? typedTo}.`;
}
