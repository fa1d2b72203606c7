/**
 * The email and notification parts of /settings (issue 18 item 2; contract "Recovery and
 * notifications"): add or change the email address (a confirmation link is emailed; the old
 * confirmed address stays in force until the new one is confirmed), the page the emailed link opens
 * (GET /settings/email/confirm?token=...: shows a button only, no state changes on GET; its POST
 * confirms), the per-kind email choices (security kinds cannot be turned off) and the "money sent
 * above" threshold, an amount parsed exactly like the money forms' (parseDecimalAmount, minor units).
 * Every change is a CSRF-checked POST answered 303 (POST-redirect-GET).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { confirmEmail, EMAIL_CONFIRM_PATH, emailAddresses, requestEmailChange } from '../../../app/email-address.js';
import { notificationChoices, saveNotificationChoices } from '../../../app/notifications.js';
import { emailOn } from '../../../app/outbox.js';
import { isDomainError } from '../../../domain/errors.js';
import { kindLabels, notificationKinds, optionalKinds } from '../../../domain/notification-kinds.js';
import { formatDecimal, parseDecimalAmount } from '../../../domain/money.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { amountExample } from '../../pages/format.js';
import { errorItems, field, type FieldErrors } from '../../pages/forms.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

/** Renders the settings page again with these field errors (settings.ts's showSettings). */
export type ShowSettings = (request: FastifyRequest, reply: FastifyReply, errors: FieldErrors, status: number) => unknown;

/** What settings.eta's notifications section shows: addresses, choices, the threshold as typed. */
export async function notificationSettingsData(ctx: AppContext, userId: string) {
  const [addresses, choices] = await Promise.all([emailAddresses(ctx, userId), notificationChoices(ctx, userId)]);
  const currency = ctx.config.currency;
  return {
    emailEnabled: emailOn(ctx),
    emailConfirmed: addresses.confirmed,
    emailPending: addresses.pending,
    noticeKinds: notificationKinds.map((kind) => ({
      kind,
      label: kindLabels[kind],
      locked: !optionalKinds.includes(kind),
      on: !choices.emailOff.includes(kind),
    })),
    sentThreshold: choices.sentThresholdMinor === null ? '' : formatDecimal(choices.sentThresholdMinor, currency),
    thresholdExample: amountExample(currency),
    currency,
  };
}

/** The posted values of a repeated checkbox field (none, one or many). */
function checkedValues(request: FastifyRequest, name: string): string[] {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function notificationSettingsRoutes(app: FastifyInstance, showSettings: ShowSettings): void {
  const ctx = app.ctx;

  app.post('/settings/email', { config: { auth: 'session', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const session = sessionOf(request);
    const address = field(request, 'email').trim();
    if (address === '') return showSettings(request, reply, { email: 'Enter an email address.' }, 400);
    try {
      await requestEmailChange(ctx, session.userId, address);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return showSettings(request, reply, { email: error.message }, 400);
    }
    const text = emailOn(ctx)
      ? `A confirmation link is on its way to ${address}. It counts once you open the link.`
      : `${address} is saved. This bank does not send email, so it cannot be confirmed yet.`;
    return redirectWithFlash(reply, '/settings', { kind: 'success', text });
  });

  // The emailed link lands here: a button, nothing else. Mail scanners and link previews fetch GETs,
  // so the GET must not confirm (the POST does, with the CSRF token of the signed-in session).
  app.get(EMAIL_CONFIRM_PATH, { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const token = (request.query as { token?: unknown }).token;
    return renderPage(reply, 'email-confirm', { title: 'Confirm your email address', token: typeof token === 'string' ? token.slice(0, 128) : '', errors: [] });
  });

  app.post(EMAIL_CONFIRM_PATH, { config: { auth: 'session', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const session = sessionOf(request);
    const token = field(request, 'token');
    try {
      const address = await confirmEmail(ctx, session.userId, token);
      return redirectWithFlash(reply, '/settings', { kind: 'success', text: `${address} is confirmed. Notifications by email go there now.` });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return renderPage(reply, 'email-confirm', { title: 'Confirm your email address', token: '', errors: [{ field: 'token', message: error.message }] }, 400);
    }
  });

  app.post('/settings/notifications', { config: { auth: 'session', csrf: true, limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    const on = checkedValues(request, 'email_on');
    const emailOff = optionalKinds.filter((kind) => !on.includes(kind));
    const thresholdText = field(request, 'sent_threshold').trim();
    const errors: FieldErrors = {};
    let sentThresholdMinor: bigint | null = null;
    try {
      if (thresholdText !== '') sentThresholdMinor = parseDecimalAmount(thresholdText, ctx.config.currency, undefined, 'sent_threshold');
      await saveNotificationChoices(ctx, session.userId, { emailOff, sentThresholdMinor });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      errors.sent_threshold = error.message;
      return showSettings(request, reply, errors, 400);
    }
    return redirectWithFlash(reply, '/settings', { kind: 'success', text: 'Notification choices saved.' });
  });
}

/** The error summary entries of this section, in form order. */
export const notificationErrorItems = (errors: FieldErrors) => errorItems(errors, ['email', 'sent_threshold']);
