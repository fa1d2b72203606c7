/**
 * /holds (issue 14 items 2 and 4): the holds a user receives (take all or part, or release) and the
 * holds they placed, and a form to hold money for someone. Every change is a POST with its CSRF
 * token answered 303 back to /holds (POST-redirect-GET); the place form carries a hidden
 * idempotency key like every money form, so a double submit reserves once. Works without JavaScript.
 * Step-up (issue 13): a hold of STEP_UP_MINOR or more by a user with a second factor is confirmed in
 * the transfer review's way (src/app/web-step-up.ts): the form has the code field for a TOTP user and
 * the "Confirm with a passkey" button for a user with passkeys (which needs JavaScript).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { webIdempotencyKey, requestFingerprint } from '../../../app/idempotency.js';
import { getHold, listHolds } from '../../../app/list-holds.js';
import { refusalAsError } from '../../../app/movement-outcome.js';
import { placeHold } from '../../../app/place-hold.js';
import { captureHold, voidHold } from '../../../app/resolve-hold.js';
import { stepUpWays } from '../../../app/step-up.js';
import { requireWebStepUp } from '../../../app/web-step-up.js';
import { DomainError, isDomainError } from '../../../domain/errors.js';
import { HOLD_EXPIRES_IN_DEFAULT_S } from '../../../domain/hold-rules.js';
import { parseMemo } from '../../../domain/memo.js';
import { parseDecimalAmount } from '../../../domain/money.js';
import { clientInfo } from '../../client-info.js';
import { errorStatus } from '../../error-status.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { amountExample, formatMoney } from '../../pages/format.js';
import { errorItems, field, FORM_KEY_FIELD, parseFormKey, tryField, type FieldErrors } from '../../pages/forms.js';
import { EXPIRY_CHOICES, holdRow } from '../../pages/hold-rows.js';
import { pageAccounts } from '../../pages/primary-account.js';
import { openAccountOptions } from '../../pages/request-rows.js';
import { placeStepUpError, stepUpProof, stepUpView } from '../../pages/step-up-form.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

const ORDER = ['form', 'to', 'amount', 'memo', 'expires_in', 'account', 'mfa_code'];
/** How many of each list the page shows (the newest); the API pages through the rest. */
const LIST_SIZE = 50;

interface PlaceFields {
  to: string;
  amount: string;
  memo: string;
  expiresIn: string;
  account: string;
  formKey: string;
}

async function showHolds(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  form: { values?: PlaceFields; errors?: FieldErrors; status?: number } = {},
) {
  const session = sessionOf(request);
  const [{ accounts, account }, paying, receiving, ways] = await Promise.all([
    pageAccounts(ctx, session.userId),
    listHolds(ctx, session.userId, { role: 'payer', limit: LIST_SIZE }),
    listHolds(ctx, session.userId, { role: 'payee', limit: LIST_SIZE }),
    // The amount is typed on this page, so it offers what a large one would need.
    stepUpWays(ctx, session.userId, BigInt(ctx.config.stepUpMinor)),
  ]);
  const values = form.values ?? { to: '', amount: '', memo: '', expiresIn: String(HOLD_EXPIRES_IN_DEFAULT_S), account: account.id, formKey: ctx.random.uuid() };
  const chosen = accounts.find((a) => a.id === values.account) ?? account;
  return renderPage(
    reply,
    'holds',
    {
      title: 'Holds',
      values,
      errors: errorItems(placeStepUpError(form.errors ?? {}, ways), ORDER),
      accounts: openAccountOptions(accounts),
      amountExample: amountExample(chosen.currency),
      available: formatMoney(chosen.availableMinor, chosen.currency),
      expiryChoices: EXPIRY_CHOICES,
      ...stepUpView(ways),
      stepUpPasskeyHint: ways?.code
        ? 'Or, for a large amount, confirm with the passkey on this device instead of a code.'
        : 'A large amount needs your passkey: fill in the form, then confirm with it.',
      stepUpPasskeyNoJs: 'A large amount needs your passkey, which needs JavaScript in this browser.',
      paying: paying.data.map((h) => holdRow(h, true, session.timeZone)),
      receiving: receiving.data.map((h) => holdRow(h, false, session.timeZone)),
    },
    form.status ?? 200,
  );
}

/** Where a refusal of the place form is shown. */
function placeField(error: DomainError): string {
  if (error.code === 'idempotency_conflict') return 'form';
  if (error.code === 'step_up_required') return 'mfa_code';
  if (error.param === 'to' || error.code === 'same_account' || error.code === 'currency_mismatch') return 'to';
  if (error.param === 'amount' || error.code === 'insufficient_funds') return 'amount';
  if (error.param === 'memo') return 'memo';
  if (error.param === 'expires_in') return 'expires_in';
  if (error.param === 'from_account_id') return 'account';
  return 'form';
}

function readPlaceFields(request: FastifyRequest): PlaceFields {
  return {
    to: field(request, 'to').trim(),
    amount: field(request, 'amount'),
    memo: field(request, 'memo'),
    expiresIn: field(request, 'expires_in'),
    account: field(request, 'account'),
    formKey: field(request, FORM_KEY_FIELD),
  };
}

/** POST /holds: checks the form, then places the hold once per form key (a double submit replays). */
async function placeFromForm(ctx: AppContext, request: FastifyRequest, reply: FastifyReply) {
  const session = sessionOf(request);
  const values = readPlaceFields(request);
  const { account } = await pageAccounts(ctx, session.userId, values.account);
  const errors: FieldErrors = {};
  if (values.to === '') errors.to = 'Enter the username or account number of the person you hold it for.';
  const amountMinor = tryField(errors, 'amount', () => {
    const minor = parseDecimalAmount(values.amount, account.currency);
    if (minor > BigInt(ctx.config.maxAmountMinor)) throw new DomainError('invalid_amount', 'That amount is above the limit for one operation.', 'amount');
    return minor;
  });
  const memo = tryField(errors, 'memo', () => parseMemo(values.memo));
  const expiresInS = Number(values.expiresIn || HOLD_EXPIRES_IN_DEFAULT_S);
  if (!EXPIRY_CHOICES.some((c) => Number(c.value) === expiresInS)) errors.expires_in = 'Choose when the money comes back.';
  const formKey = parseFormKey(values.formKey);
  if (!formKey) errors.form = 'This form has expired. Check the details and submit it again.';
  if (Object.keys(errors).length > 0 || amountMinor === undefined || memo === undefined || !formKey)
    return showHolds(ctx, request, reply, { values: { ...values, formKey: formKey ?? ctx.random.uuid() }, errors, status: 400 });
  const hold = { fromAccountId: account.id, to: values.to, amountMinor, memo, expiresInS };
  const key = webIdempotencyKey(formKey);
  try {
    await requireWebStepUp(ctx, session.userId, amountMinor, stepUpProof(request), key, clientInfo(request));
    const fingerprint = requestFingerprint(['POST', '/holds', { ...hold, amountMinor: amountMinor.toString() }]);
    const { outcome } = await placeHold(ctx, session.userId, hold, { key, requestHash: fingerprint });
    if (outcome.kind === 'refused') throw refusalAsError(outcome);
    return redirectWithFlash(reply, '/holds', {
      kind: 'success',
      text: `Holding ${formatMoney(outcome.hold.amountMinor, outcome.hold.currency)} for ${outcome.hold.to.username}.`,
    });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    // A refused key is spent; a corrected form needs a fresh one (a step-up refusal spent nothing, but a fresh key is harmless).
    const message = error.code === 'idempotency_conflict' ? 'This form was already submitted (or is still being sent). Check your holds.' : error.message;
    return showHolds(ctx, request, reply, {
      values: { ...values, formKey: ctx.random.uuid() },
      errors: { [placeField(error)]: message },
      status: errorStatus[error.code],
    });
  }
}

export default async function holdPages(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;

  app.get('/holds', { config: { auth: 'session', limit: 'global' } }, (request, reply) => showHolds(ctx, request, reply));

  app.post('/holds', { config: { auth: 'session', csrf: true, limit: 'money' } }, (request, reply) => placeFromForm(ctx, request, reply));

  app.post('/holds/:id/capture', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const session = sessionOf(request);
    try {
      const hold = await getHold(ctx, session.userId, id);
      const typed = field(request, 'amount').trim();
      const amountMinor = typed === '' ? undefined : parseDecimalAmount(typed, hold.currency);
      const result = await captureHold(ctx, session.userId, id, amountMinor, { sessionHandle: session.handle });
      return redirectWithFlash(reply, '/holds', {
        kind: 'success',
        text: `Received ${formatMoney(result.transaction.amountMinor, result.transaction.currency)}.`,
      });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return showHolds(ctx, request, reply, { errors: { form: error.message }, status: errorStatus[error.code] });
    }
  });

  app.post('/holds/:id/void', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    try {
      const hold = await voidHold(ctx, sessionOf(request).userId, id);
      return redirectWithFlash(reply, '/holds', { kind: 'success', text: `Released the hold of ${formatMoney(hold.amountMinor, hold.currency)}.` });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return showHolds(ctx, request, reply, { errors: { form: error.message }, status: errorStatus[error.code] });
    }
  });
}
