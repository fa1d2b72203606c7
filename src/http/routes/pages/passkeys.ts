/**
 * Passkeys on the pages (issue 13 part B). The script (static/passkeys.js) asks for options as
 * JSON, runs the browser's WebAuthn dialog, puts the answer in a hidden field and submits an
 * ordinary form, so every result is a POST-redirect-GET like any other form. All are CSRF-checked
 * page posts (the token travels in the `_csrf` field); without JavaScript the passkey buttons are
 * hidden and nothing here is reached.
 *
 *   POST /login/passkey/options   public, auth limit: options for a discoverable sign-in
 *   POST /login/passkey           public, auth limit: the answer; a session like POST /login's
 *   POST /settings/passkeys/options  password (+ code) step-up, then creation options
 *   POST /settings/passkeys       the attestation and the passkey's name
 *   POST /settings/passkeys/remove   removes one, after the same step-up as adding one
 *   POST /step-up/passkey/options    a signed-in user's challenge for a review step (step-up-passkey.ts)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { finishPasskeyAssertion, beginPasskeyAssertion } from '../../../app/passkey-sign-in.js';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../../app/register-passkey.js';
import { removePasskey } from '../../../app/manage-passkeys.js';
import { issueDeviceToken } from '../../../app/sign-in.js';
import { startSession } from '../../../app/start-session.js';
import { adoptBrowserTimeZone } from '../../../app/time-zone-preference.js';
import { isDomainError } from '../../../domain/errors.js';
import { errorStatus } from '../../error-status.js';
import { clientInfo } from '../../client-info.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { setDeviceCookie } from '../../pages/known-device-cookie.js';
import { clearChallengeCookie, credentialField, field, jsonError, readChallengeCookie, relyingPartyOf, setChallengeCookie } from '../../pages/passkey-http.js';
import { safeNextPath } from '../../pages/safe-next.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf, setSessionCookie } from '../../plugins/session.js';
import { stepUpPasskeyRoutes } from './step-up-passkey.js';

export default async function passkeyPages(app: FastifyInstance): Promise<void> {
  signInRoutes(app);
  settingsRoutes(app);
  stepUpPasskeyRoutes(app);
}

/** Answers the script with a DomainError as JSON (status from error-status.ts); anything else is rethrown. */
function jsonRefusal(reply: FastifyReply, error: unknown): FastifyReply {
  if (!isDomainError(error)) throw error;
  return jsonError(reply, errorStatus[error.code], error.code, error.message, error.param);
}

function signInRoutes(app: FastifyInstance): void {
  const ctx = app.ctx;

  app.post('/login/passkey/options', { config: { auth: 'public', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const { cookie, options } = await beginPasskeyAssertion(ctx, relyingPartyOf(request));
    setChallengeCookie(reply, cookie);
    return reply.type('application/json; charset=utf-8').send({ options });
  });

  app.post('/login/passkey', { config: { auth: 'public', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const next = safeNextPath(field(request, 'next'));
    clearChallengeCookie(reply);
    try {
      const user = await finishPasskeyAssertion(
        ctx,
        { cookie: readChallengeCookie(request), response: credentialField(request), userId: null, purpose: 'sign-in' },
        relyingPartyOf(request),
        clientInfo(request),
      );
      await openSession(request, reply, user.id, BigInt(user.password_generation));
      await adoptBrowserTimeZone(ctx, user.id, field(request, 'time_zone'));
      const device = await issueDeviceToken(ctx, user.username);
      if (device) setDeviceCookie(reply, device);
      return reply.redirect(next ?? '/dashboard', 303);
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'unauthenticated') throw error;
      const errors = [{ field: 'passkey-login', message: error.message }];
      return renderPage(reply, 'login', { title: 'Sign in', next, values: { username: '' }, errors }, 401);
    }
  });
}

/** A new session for `userId` under a new id (start-session.ts), as POST /login opens one. */
async function openSession(request: FastifyRequest, reply: FastifyReply, userId: string, passwordGeneration: bigint): Promise<void> {
  const previous = request.sessionBinding !== 'anonymous' ? request.sessionBinding : undefined;
  const started = await startSession(request.server.ctx, {
    userId,
    passwordGeneration,
    userAgent: request.headers['user-agent'],
    ip: request.ip,
    previousIdHash: previous,
  });
  setSessionCookie(reply, started);
}

function settingsRoutes(app: FastifyInstance): void {
  const ctx = app.ctx;

  app.post('/settings/passkeys/options', { config: { auth: 'session', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const session = sessionOf(request);
    try {
      const input = { userId: session.userId, password: field(request, 'current_password'), code: field(request, 'otp') };
      const { cookie, options } = await beginPasskeyRegistration(ctx, input, relyingPartyOf(request), clientInfo(request));
      setChallengeCookie(reply, cookie);
      return reply.type('application/json; charset=utf-8').send({ options });
    } catch (error) {
      return jsonRefusal(reply, error);
    }
  });

  app.post('/settings/passkeys', { config: { auth: 'session', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const session = sessionOf(request);
    clearChallengeCookie(reply);
    try {
      const input = { userId: session.userId, cookie: readChallengeCookie(request), response: credentialField(request), name: field(request, 'passkey_name') };
      const added = await finishPasskeyRegistration(ctx, input, relyingPartyOf(request), clientInfo(request));
      return redirectWithFlash(reply, '/settings#passkeys-heading', { kind: 'success', text: `Passkey “${added.name}” added. You can now sign in with it.` });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return redirectWithFlash(reply, '/settings#passkeys-heading', { kind: 'info', text: error.message });
    }
  });

  app.post('/settings/passkeys/remove', { config: { auth: 'session', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const session = sessionOf(request);
    try {
      const proof = { password: field(request, 'current_password'), code: field(request, 'otp') };
      const name = await removePasskey(ctx, session.userId, field(request, 'passkey'), proof, clientInfo(request));
      return redirectWithFlash(reply, '/settings#passkeys-heading', { kind: 'success', text: `Passkey “${name}” removed.` });
    } catch (error) {
      if (!isDomainError(error) || (error.code !== 'not_found' && error.code !== 'invalid_request')) throw error;
      return redirectWithFlash(reply, '/settings#passkeys-heading', { kind: 'info', text: error.message });
    }
  });
}
