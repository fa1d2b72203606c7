/**
 * The second page of a sign-in with a second factor (issue 13): GET and POST /login/second-factor
 * and its cancel. Reached only with the half-signed-in cookie set by POST /login after the right
 * password (src/app/pending-sign-in.ts); without a live one it sends the browser back to /login.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { cancelPendingSignIn, completePendingSignIn, findPending } from '../../../app/pending-sign-in.js';
import { isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { errorItems, field } from '../../pages/forms.js';
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

  app.get('/login/second-factor', { config: { auth: 'public', limit: 'global' } }, async (request, reply) => {
    if (request.session) return reply.redirect('/dashboard', 303);
    if (!(await findPending(ctx, readPendingCookie(request)))) return startAgain(reply);
    return renderPage(reply, 'login-second-factor', { title: 'Enter your code', errors: [] });
  });

  app.post('/login/second-factor', { config }, async (request, reply) => {
    const code = field(request, 'code').trim();
    const cookie = readPendingCookie(request);
    if (code === '') {
      if (!(await findPending(ctx, cookie))) return startAgain(reply);
      return renderPage(
        reply,
        'login-second-factor',
        { title: 'Enter your code', errors: errorItems({ code: 'Enter the code from your app.' }, ['code']) },
        400,
      );
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
      if (error.param !== 'code' || !(await findPending(ctx, cookie))) return startAgain(reply, error.message);
      return renderPage(reply, 'login-second-factor', { title: 'Enter your code', errors: errorItems({ code: error.message }, ['code']) }, 401);
    }
  });

  app.post('/login/second-factor/cancel', { config }, async (request, reply) => {
    await cancelPendingSignIn(ctx, readPendingCookie(request));
    return startAgain(reply, 'Sign-in cancelled.');
  });
}
