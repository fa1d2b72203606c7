/**
 * The authenticator app on /settings (issue 13): start an enrolment with the password, scan the QR
 * code (an SVG drawn here by `qrcode`, served as an image from this origin: no external service, no
 * inline markup) or type the text secret, confirm with a first code, see the ten recovery codes once
 * (with a plain-text download), and turn it off with the password and a code.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { confirmTotpEnrolment, disableTotp, pendingTotpSecret, startTotpEnrolment } from '../../../app/totp-enrolment.js';
import { isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { field } from '../../pages/forms.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

/** Renders /settings again with errors beside the named fields (settings.ts). */
export type ShowSettingsWith = (request: FastifyRequest, reply: FastifyReply, errors: Record<string, string>, status: number) => Promise<FastifyReply>;

export function totpSettingsRoutes(app: FastifyInstance, showSettings: ShowSettingsWith): void {
  const ctx = app.ctx;
  const config = { auth: 'session', csrf: true, limit: 'auth' } as const;

  app.get('/settings/totp/qr.svg', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const pending = await pendingTotpSecret(ctx, sessionOf(request).userId);
    if (!pending) return reply.code(404).type('text/plain; charset=utf-8').send('No enrolment in progress.');
    const svg = await QRCode.toString(pending.otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return reply.type('image/svg+xml').header('cache-control', 'no-store').send(svg);
  });

  app.post('/settings/totp/start', { config }, async (request, reply) => {
    try {
      // While an app is on, replacing it needs its current code (totp-enrolment.ts).
      await startTotpEnrolment(ctx, sessionOf(request).userId, field(request, 'totp_password'), field(request, 'totp_start_code'), clientInfo(request));
    } catch (error) {
      if (isDomainError(error) && error.code === 'step_up_required') return showSettings(request, reply, { totp_start_code: error.message }, 403);
      if (!isDomainError(error) || error.param !== 'password') throw error;
      return showSettings(request, reply, { totp_password: error.message }, 400);
    }
    return reply.redirect('/settings#totp-heading', 303);
  });

  app.post('/settings/totp/confirm', { config }, async (request, reply) => {
    try {
      const codes = await confirmTotpEnrolment(ctx, sessionOf(request).userId, field(request, 'totp_code'), clientInfo(request));
      // Shown once, on this answer only (never stored in clear, so never shown again).
      const download = `data:text/plain;charset=utf-8,${encodeURIComponent(`minibank recovery codes for ${sessionOf(request).username}\n\n${codes.join('\n')}\n`)}`;
      return renderPage(reply, 'recovery-codes', { title: 'Your recovery codes', codes, download });
    } catch (error) {
      if (!isDomainError(error) || error.param !== 'otp') throw error;
      return showSettings(request, reply, { totp_code: error.message }, 400);
    }
  });

  app.post('/settings/totp/disable', { config }, async (request, reply) => {
    try {
      await disableTotp(
        ctx,
        sessionOf(request).userId,
        { password: field(request, 'totp_off_password'), otp: field(request, 'totp_off_code') },
        clientInfo(request),
      );
    } catch (error) {
      if (!isDomainError(error) || (error.param !== 'password' && error.param !== 'otp')) throw error;
      return showSettings(request, reply, { [error.param === 'password' ? 'totp_off_password' : 'totp_off_code']: error.message }, 400);
    }
    return redirectWithFlash(reply, '/settings', { kind: 'success', text: 'The authenticator app is off. Your recovery codes no longer work.' });
  });
}
