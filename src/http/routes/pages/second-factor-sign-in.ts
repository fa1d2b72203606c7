/**
 * The second page of a sign-in with a second factor (issue 13): GET and POST /login/second-factor
 * and its cancel. Reached only with the half-signed-in cookie set by POST /login after the right
 * password (src/app/pending-sign-in.ts); without a live one it sends the browser back to /login.
 * The user may answer with a code or, when they have one, a passkey (POST /login/second-factor/passkey).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import {
  beginPendingPasskey,
  cancelPendingSignIn,
  completePendingSignIn,
  completePendingSignInWithPasskey,
  findPending,
} from '../../../app/pending-sign-in.js';
import { secondFactorStatus } from '../../../app/second-factor-status.js';
import { adoptBrowserTimeZone } from '../../../app/time-zone-preference.js';
import { isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { errorItems, field, type ErrorItem } from '../../pages/forms.js';
import { clearChallengeCookie, credentialField, jsonError, readChallengeCookie, relyingPartyOf, setChallengeCookie } from '../../pages/passkey-http.js';
import { clearPendingCookie, readPendingCookie } from '../../pages/pending-sign-in-cookie.js';
import { renderPage } from '../../pages/views.js';

type CompleteSignIn = (
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  done: { userId: string; username: string; passwordGeneration: bigint; next: string | null },
) => Promise<FastifyReply>;

const startAgain = (reply: FastifyReply, text = 'Your sign-in took too long or was ended. Sign in again.') => {
  clearPendingCookie(reply);
  return redirectWithFlash(reply, '/login', { kind: 'info', text });
};

export function secondFactorRoutes(app: FastifyInstance, completeSignIn: CompleteSignIn): void {
  const ctx = app.ctx;
  const config = { auth: 'public', csrf: true, limit: 'auth' } as const;

  /** The page, offering what this user has: a code field (TOTP or recovery code) and a passkey button. */
  const showPage = async (reply: FastifyReply, userId: string, errors: ErrorItem[], status = 200) => {
    const has = await secondFactorStatus(ctx, ctx.storage.db, userId);
    return renderPage(reply, 'login-second-factor', { title: 'Enter your code', errors, totp: has.totp, passkey: has.passkeys > 0 }, status);
  };

  app.get('/login/second-factor', { config: { auth: 'public', limit: 'global' } }, async (request, reply) => {
    if (request.session) return reply.redirect('/dashboard', 303);
    const pending = await findPending(ctx, readPendingCookie(request));
    if (!pending) return startAgain(reply);
    return showPage(reply, pending.userId, []);
  });

  app.post('/login/second-factor', { config }, async (request, reply) => {
    const code = field(request, 'code').trim();
    const cookie = readPendingCookie(request);
    if (code === '') {
      const pending = await findPending(ctx, cookie);
      if (!pending) return startAgain(reply);
      return showPage(reply, pending.userId, errorItems({ code: 'Enter the code from your app.' }, ['code']), 400);
    }
    try {
      const done = await completePendingSignIn(ctx, cookie, code, clientInfo(request));
      clearPendingCookie(reply);
      return await completeSignIn(ctx, request, reply, {
        userId: done.userId,
        username: done.username,
        passwordGeneration: done.passwordGeneration,
        next: done.nextPath,
      });
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'unauthenticated') throw error;
      // A wrong code keeps the page while the state lives; after the last try, back to the password.
      const pending = error.param === 'code' ? await findPending(ctx, cookie) : undefined;
      if (!pending) return startAgain(reply, error.message);
      return showPage(reply, pending.userId, errorItems({ code: error.message }, ['code']), 401);
    }
  });

  passkeyRoutes(app, completeSignIn, showPage);

  app.post('/login/second-factor/cancel', { config }, async (request, reply) => {
    await cancelPendingSignIn(ctx, readPendingCookie(request));
    return startAgain(reply, 'Sign-in cancelled.');
  });
}

/**
 * The passkey option of the second step (issue 13 item 2), for static/passkeys.js: options for the
 * pending user's passkeys (JSON), then the answer in an ordinary form post, as on /login.
 */
function passkeyRoutes(
  app: FastifyInstance,
  completeSignIn: CompleteSignIn,
  showPage: (reply: FastifyReply, userId: string, errors: ErrorItem[], status?: number) => Promise<FastifyReply>,
): void {
  const ctx = app.ctx;
  const config = { auth: 'public', csrf: true, limit: 'auth' } as const;

  app.post('/login/second-factor/passkey/options', { config }, async (request, reply) => {
    const begun = await beginPendingPasskey(ctx, readPendingCookie(request), relyingPartyOf(request));
    if (!begun) return jsonError(reply, 401, 'unauthenticated', 'Your sign-in took too long or was ended. Sign in again.');
    setChallengeCookie(reply, begun.cookie);
    return reply.type('application/json; charset=utf-8').send({ options: begun.options });
  });

  app.post('/login/second-factor/passkey', { config }, async (request, reply) => {
    const cookie = readPendingCookie(request);
    clearChallengeCookie(reply);
    try {
      const answer = { cookie: readChallengeCookie(request), response: credentialField(request) };
      const done = await completePendingSignInWithPasskey(ctx, cookie, answer, relyingPartyOf(request), clientInfo(request));
      clearPendingCookie(reply);
      await adoptBrowserTimeZone(ctx, done.userId, field(request, 'time_zone'));
      const { userId, username, passwordGeneration } = done;
      return await completeSignIn(ctx, request, reply, { userId, username, passwordGeneration, next: done.nextPath });
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'unauthenticated') throw error;
      const pending = error.param === 'passkey' ? await findPending(ctx, cookie) : undefined;
      if (!pending) return startAgain(reply, error.message);
      return showPage(reply, pending.userId, [{ field: 'second-factor-passkey', message: error.message }], 401);
    }
  });
}
