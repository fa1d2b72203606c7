/**
 * Sending money, in two steps: the form posts, and is answered 303 to a GET review page that names
 * the payee (resolved by the same rules the transfer uses) and has checked the balance, before
 * anything moves; "Send" posts again with step=confirm and is answered 303 to the dashboard. Every
 * page a person can go Back to is a GET, so the browser never offers to resubmit a form (issue 12
 * item 8). The idempotency key is made when the form is first shown and travels through review, so
 * a double click, a reload or a Back-and-Send moves the money once. A large transfer by a user with
 * a second factor is confirmed on the review step with a code or a passkey (issue 13 item 4).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { webIdempotencyKey } from '../../../app/idempotency.js';
import { previewPayee } from '../../../app/preview-transfer.js';
import { stepUpWays, type StepUpWays } from '../../../app/step-up.js';
import { requireWebStepUp } from '../../../app/web-step-up.js';
import type { AccountView } from '../../../app/views.js';
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
import { primaryAccount } from '../../pages/primary-account.js';
import { stepUpProof, stepUpView } from '../../pages/step-up-form.js';
import { reviewSealer, type ReviewSealer } from '../../pages/transfer-review-token.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

const ORDER = ['form', 'to', 'amount', 'memo'];
const PAYEE_MAX_CHARS = 64;

interface TransferFields extends MovementFields {
  to: string;
}

/** The review step's verdict: what the review page shows, or the refusals for the form. */
type Review =
  { ok: true; parsed: ParsedMovement; payee: { username: string | null; accountNumber: string } } | { ok: false; errors: FieldErrors; status: number };

export default async function transferPages(app: FastifyInstance): Promise<void> {
  const sealer = reviewSealer(app.ctx.config);
  reviewPage(app, sealer);
  transferForm(app, sealer);
}

/** The form again, with the account the caller has already read (no second read). */
const showForm = (reply: FastifyReply, account: AccountView, values: TransferFields, errors: FieldErrors, status: number) => {
  return renderPage(
    reply,
    'transfer',
    {
      title: 'Send money',
      balance: formatMoney(account.balanceMinor, account.currency),
      currency: account.currency,
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
const parseTransfer = (ctx: AppContext, fields: TransferFields, account: AccountView, errors: FieldErrors): ParsedMovement | undefined => {
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
const reviewTransfer = async (ctx: AppContext, userId: string, account: AccountView, fields: TransferFields): Promise<Review> => {
  const errors: FieldErrors = {};
  const parsed = parseTransfer(ctx, fields, account, errors);
  if (!parsed) return { ok: false, errors, status: 400 };
  try {
    const payee = await previewPayee(ctx, userId, account.id, fields.to);
    if (!covers({ kind: 'user', balance: account.balanceMinor }, parsed.amountMinor)) {
      errors.amount = `Your available balance is ${formatMoney(account.balanceMinor, account.currency)}, which does not cover this amount.`;
      return { ok: false, errors, status: errorStatus.insufficient_funds };
    }
    return { ok: true, parsed, payee: { username: payee.username, accountNumber: formatAccountNumber(payee.accountNumber) } };
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
    const account = await primaryAccount(ctx, session.userId);
    const fields: TransferFields = { ...sealed };
    // Checked again on every view: the balance or the payee may have changed since the form was posted.
    const review = await reviewTransfer(ctx, session.userId, account, fields);
    if (!review.ok) return showForm(reply, account, fields, review.errors, review.status);
    return showReview(reply, account, fields, review, await stepUpWays(ctx, session.userId, review.parsed.amountMinor), {}, 200);
  });
}

/**
 * The review page: what will be sent, and (issue 13 item 4) the step-up it needs: a code field, a
 * passkey button, or both (stepUpView). Shown again with `errors` when a step-up was refused.
 */
const showReview = (
  reply: FastifyReply,
  account: AccountView,
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
async function refusedStepUp(request: FastifyRequest, reply: FastifyReply, account: AccountView, fields: TransferFields, parsed: ParsedMovement) {
  const ctx = request.server.ctx;
  const userId = sessionOf(request).userId;
  try {
    await requireWebStepUp(ctx, userId, parsed.amountMinor, stepUpProof(request), webIdempotencyKey(parsed.formKey), clientInfo(request));
    return false;
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'step_up_required') throw error;
    const review = await reviewTransfer(ctx, userId, account, fields);
    if (!review.ok) showForm(reply, account, fields, review.errors, review.status);
    else {
      const ways = await stepUpWays(ctx, userId, parsed.amountMinor);
      showReview(reply, account, fields, review, ways, { [ways?.code ? 'mfa_code' : 'form']: error.message }, errorStatus.step_up_required);
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
    const account = await primaryAccount(ctx, sessionOf(request).userId);
    return showForm(reply, account, { to: prefill, amount: '', memo: '', formKey: ctx.random.uuid() }, {}, 200);
  });

  app.post('/transfer', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const session = sessionOf(request);
    const account = await primaryAccount(ctx, session.userId);
    const fields: TransferFields = { ...readMovementFields(request), to: field(request, 'to').trim() };
    const step = field(request, 'step');
    const keepKey = parseFormKey(fields.formKey) ?? ctx.random.uuid();

    if (step === 'edit') return showForm(reply, account, { ...fields, formKey: keepKey }, {}, 200);

    if (step !== 'confirm') {
      const review = await reviewTransfer(ctx, session.userId, account, fields);
      if (!review.ok) return showForm(reply, account, { ...fields, formKey: keepKey }, review.errors, review.status);
      const token = await sealer.seal({ ...fields, formKey: review.parsed.formKey }, session.handle, ctx.clock.nowMs());
      return reply.redirect(`/transfer/review?r=${token}`, 303);
    }

    const errors: FieldErrors = {};
    const parsed = parseTransfer(ctx, fields, account, errors);
    if (!parsed) return showForm(reply, account, { ...fields, formKey: keepKey }, errors, 400);
    // A passkey's challenge is single use whatever happens next: the browser's cookie for it goes.
    if (field(request, 'credential') !== '') clearChallengeCookie(reply);
    if (await refusedStepUp(request, reply, account, { ...fields, formKey: parsed.formKey }, parsed)) return reply;

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
    if (outcome.ok) {
      const payee = outcome.moved.transaction.counterparty?.username ?? fields.to;
      return redirectWithFlash(reply, '/dashboard', { kind: 'success', text: `Sent ${formatMoney(parsed.amountMinor, account.currency)} to ${payee}.` });
    }
    errors[refusalField(outcome.error)] = refusalMessage(outcome.error);
    // Read again: a refusal such as insufficient_funds may come from money that left meanwhile.
    const current = await primaryAccount(ctx, session.userId);
    return showForm(reply, current, { ...fields, formKey: ctx.random.uuid() }, errors, errorStatus[outcome.error.code]);
  });
}
