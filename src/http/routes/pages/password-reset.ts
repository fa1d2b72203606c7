/**
 * Password reset on the web (issue 18 item 4): "Forgot password?" on /login leads to a form
 * (username or email) whose answer is always the same page; the emailed link opens
 * GET /reset-password?token=… (a read: nothing changes on GET), whose form posts the new password,
 * and a code when the account has a second factor. CSRF on every form, POST-redirect-GET, no
 * JavaScript. The token travels in the query string only on the way in: the access log redacts it
 * (url-redaction.ts), the JSON request log leaves query strings out, and the page loads nothing from
 * another origin and sends no Referer there (the app-wide Referrer-Policy: same-origin).
 */
import type { FastifyInstance } from 'fastify';
import { confirmPasswordReset, inspectResetLink } from '../../../app/confirm-password-reset.js';
import { askForPasswordReset } from '../../../app/request-password-reset.js';
import { isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { errorItems, field, type FieldErrors } from '../../pages/forms.js';
import { renderPage } from '../../pages/views.js';
import { RESET_ASKED_MESSAGE } from '../api/password-reset.js';

const MAX_IDENTIFIER_CHARS = 254;

export default async function passwordResetPages(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;
  const open = { config: { auth: 'public', limit: 'global' } } as const;
  const post = { config: { auth: 'public', csrf: true, limit: 'auth' } } as const;

  app.get('/forgot-password', open, async (_request, reply) =>
    renderPage(reply, 'forgot-password', { title: 'Forgot your password?', values: { identifier: '' }, errors: [] }),
  );

  app.post('/forgot-password', post, async (request, reply) => {
    const identifier = field(request, 'identifier').trim();
    if (identifier === '' || identifier.length > MAX_IDENTIFIER_CHARS) {
      const errors = errorItems({ identifier: 'Enter your username or the email address on your account.' }, ['identifier']);
      return renderPage(reply, 'forgot-password', { title: 'Forgot your password?', values: { identifier: '' }, errors }, 400);
    }
    const ask = identifier.includes('@') ? { email: identifier } : { username: identifier };
    const log = request.log;
    if (!askForPasswordReset(ctx, ask, clientInfo(request), (error) => log.warn({ err: error }, 'password reset ask failed'))) {
      log.warn('password reset ask dropped: too many in flight');
    }
    return reply.redirect('/forgot-password/sent', 303);
  });

  app.get('/forgot-password/sent', open, async (_request, reply) =>
    renderPage(reply, 'forgot-password-sent', { title: 'Check your email', message: RESET_ASKED_MESSAGE }),
  );

  app.get('/reset-password', open, async (request, reply) => {
    const raw = (request.query as { token?: unknown }).token;
    const token = typeof raw === 'string' ? raw : '';
    const link = await inspectResetLink(ctx, token);
    if (!link) return renderPage(reply, 'reset-password', { title: 'Reset link', valid: false }, 400);
    return renderPage(reply, 'reset-password', { title: 'Choose a new password', valid: true, token, ...link, errors: [] });
  });

  app.post('/reset-password', post, async (request, reply) => {
    const token = field(request, 'token');
    const password = field(request, 'password');
    const code = field(request, 'code');
    const errors: FieldErrors = {};
    if (password === '') errors.password = 'Choose a new password.';
    else {
      try {
        await confirmPasswordReset(ctx, { token, password, otp: code }, clientInfo(request));
        return redirectWithFlash(reply, '/login', { kind: 'success', text: 'Your password was changed. Sign in with the new one.' });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        if (error.param === 'token') return renderPage(reply, 'reset-password', { title: 'Reset link', valid: false }, 400);
        errors[error.code === 'mfa_required' ? 'code' : 'password'] = error.message;
      }
    }
    const link = await inspectResetLink(ctx, token);
    if (!link) return renderPage(reply, 'reset-password', { title: 'Reset link', valid: false }, 400);
    const status = errors.code ? 401 : 400;
    const data = { title: 'Choose a new password', valid: true, token, ...link, errors: errorItems(errors, ['password', 'code']) };
    return renderPage(reply, 'reset-password', data, status);
  });
}
