/**
 * Sign-up, sign-in and sign-out. Every sign-in opens a session under a new random id (the browser's
 * previous one is ended), and `next` is followed only when it is a same-site path.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { endSession } from '../../../app/end-session.js';
import { checkPassword, clearThrottle, issueDeviceToken } from '../../../app/sign-in.js';
import { cancelPendingSignIn, startPendingSignIn } from '../../../app/pending-sign-in.js';
import { hasSecondFactor, secondFactorStatus } from '../../../app/second-factor-status.js';
import { recordSecurityEvent } from '../../../app/security-events.js';
import { readPendingCookie, setPendingCookie } from '../../pages/pending-sign-in-cookie.js';
import { secondFactorRoutes } from './second-factor-sign-in.js';
import { signUp } from '../../../app/sign-up.js';
import { startSession } from '../../../app/start-session.js';
import { adoptBrowserTimeZone } from '../../../app/time-zone-preference.js';
import { FIRST_PASSWORD_GENERATION } from '../../../storage/repositories/user-repository.js';
import { formatAccountNumber } from '../../../domain/account-number.js';
import { isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { readDeviceCookie, setDeviceCookie } from '../../pages/known-device-cookie.js';
import { errorItems, field, type FieldErrors } from '../../pages/forms.js';
import { safeNextPath } from '../../pages/safe-next.js';
import { renderPage } from '../../pages/views.js';
import { clearSessionCookie, setSessionCookie } from '../../plugins/session.js';

export default async function authPages(app: FastifyInstance): Promise<void> {
  signInRoutes(app);
  secondFactorRoutes(app, completeSignIn);
  signUpRoutes(app);
  signOutRoutes(app);
}

// `passwordGeneration`: the one the password check read (issue 11 class 1, start-session.ts).
async function signIn(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, userId: string, passwordGeneration: bigint) {
  const previous = request.sessionBinding !== 'anonymous' ? request.sessionBinding : undefined;
  const started = await startSession(ctx, { userId, passwordGeneration, userAgent: request.headers['user-agent'], ip: request.ip, previousIdHash: previous });
  setSessionCookie(reply, started);
}

const nextOf = (request: FastifyRequest) => safeNextPath((request.query as { next?: unknown }).next);

/** The session, the known-device cookie and the redirect that end every successful page sign-in. */
async function completeSignIn(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  done: { userId: string; username: string; passwordGeneration: bigint; next: string | null },
) {
  await signIn(ctx, request, reply, done.userId, done.passwordGeneration);
  const device = await issueDeviceToken(ctx, done.username);
  if (device) setDeviceCookie(reply, device);
  return reply.redirect(done.next ?? '/dashboard', 303);
}

/** GET and POST /login. */
function signInRoutes(app: FastifyInstance): void {
  const ctx = app.ctx;

  app.get('/login', { config: { auth: 'public', limit: 'global' } }, async (request, reply) => {
    const next = nextOf(request);
    if (request.session) return reply.redirect(next ?? '/dashboard', 303);
    return renderPage(reply, 'login', { title: 'Sign in', next, values: { username: '' }, errors: [] });
  });

  app.post('/login', { config: { auth: 'public', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const username = field(request, 'username').trim();
    const password = field(request, 'password');
    const next = safeNextPath(field(request, 'next'));
    const errors: FieldErrors = {};
    if (username === '') errors.username = 'Enter your username.';
    if (password === '') errors.password = 'Enter your password.';
    if (Object.keys(errors).length === 0) {
      try {
        const client = clientInfo(request);
        const checked = await checkPassword(ctx, { username, password }, { client, deviceToken: readDeviceCookie(request), audit: true });
        const { user } = checked;
        await adoptBrowserTimeZone(ctx, user.id, field(request, 'time_zone'));
        if (hasSecondFactor(await secondFactorStatus(ctx, ctx.storage.db, user.id))) {
          // Half signed in (issue 13): no session yet, only this browser's own short-lived cookie.
          await cancelPendingSignIn(ctx, readPendingCookie(request));
          const passwordGeneration = BigInt(user.password_generation);
          const pending = await startPendingSignIn(ctx, { userId: user.id, passwordGeneration, throttleKey: checked.throttleKey, nextPath: next });
          setPendingCookie(reply, pending.id, pending.maxAgeSeconds);
          return reply.redirect('/login/second-factor', 303);
        }
        await clearThrottle(ctx, checked.throttleKey);
        if (checked.succeeded) await recordSecurityEvent(ctx, checked.succeeded);
        return await completeSignIn(ctx, request, reply, {
          userId: user.id,
          username: user.username,
          passwordGeneration: BigInt(user.password_generation),
          next,
        });
      } catch (error) {
        if (!isDomainError(error) || error.code !== 'unauthenticated') throw error;
        errors.username = error.message;
      }
    }
    const status = errors.username && username !== '' && password !== '' ? 401 : 400;
    return renderPage(reply, 'login', { title: 'Sign in', next, values: { username }, errors: errorItems(errors, ['username', 'password']) }, status);
  });
}

/** GET and POST /signup. */
function signUpRoutes(app: FastifyInstance): void {
  const ctx = app.ctx;

  app.get('/signup', { config: { auth: 'public', limit: 'global' } }, async (request, reply) => {
    if (request.session) return reply.redirect('/dashboard', 303);
    return renderPage(reply, 'signup', { title: 'Open an account', values: { username: '' }, errors: [] });
  });

  app.post('/signup', { config: { auth: 'public', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const username = field(request, 'username').trim();
    const password = field(request, 'password');
    const errors: FieldErrors = {};
    if (username === '') errors.username = 'Choose a username.';
    if (password === '') errors.password = 'Choose a password.';
    if (Object.keys(errors).length === 0) {
      try {
        const { user, account } = await signUp(ctx, { username, password }, clientInfo(request));
        await signIn(ctx, request, reply, user.id, FIRST_PASSWORD_GENERATION);
        await adoptBrowserTimeZone(ctx, user.id, field(request, 'time_zone'));
        return redirectWithFlash(reply, '/dashboard', {
          kind: 'success',
          text: `Welcome to minibank, ${user.username}. Your account number is ${formatAccountNumber(account.number)}.`,
        });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        errors[error.param === 'password' ? 'password' : 'username'] = error.message;
      }
    }
    const status = errors.username && /taken/.test(errors.username) ? 409 : 400;
    return renderPage(reply, 'signup', { title: 'Open an account', values: { username }, errors: errorItems(errors, ['username', 'password']) }, status);
  });
}

/** The sign-out page and POST /logout. */
function signOutRoutes(app: FastifyInstance): void {
  const ctx = app.ctx;

  // A page with the sign-out button, for pages that cannot carry a form of their own: an error page
  // rendered outside the pages (an unknown URL) has no CSRF token, so its header links here.
  app.get('/sign-out', { config: { auth: 'session', limit: 'global' } }, async (_request, reply) => renderPage(reply, 'sign-out', { title: 'Sign out' }));

  app.post('/logout', { config: { auth: 'public', csrf: true, limit: 'global' } }, async (request, reply) => {
    if (request.session) await endSession(ctx, request.session.idHash, { userId: request.session.userId, client: clientInfo(request) });
    clearSessionCookie(reply);
    request.session = null;
    return redirectWithFlash(reply, '/login', { kind: 'info', text: 'You have been signed out.' });
  });
}
