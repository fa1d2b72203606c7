/**
 * POST /step-up/passkey/options (issue 13 item 4): the challenge for confirming a large money move
 * with a passkey on its review step. Only the signed-in user's passkeys are offered and accepted
 * (beginPasskeyAssertion with their id); the challenge is bound to this browser by its cookie and
 * taken, once, by the review form's post (src/app/web-step-up.ts). Answered as JSON for
 * static/passkeys.js, like the other passkey options.
 */
import type { FastifyInstance } from 'fastify';
import { beginPasskeyAssertion } from '../../../app/passkey-sign-in.js';
import { secondFactorStatus } from '../../../app/second-factor-status.js';
import { jsonError, relyingPartyOf, setChallengeCookie } from '../../pages/passkey-http.js';
import { sessionOf } from '../../plugins/session.js';

export function stepUpPasskeyRoutes(app: FastifyInstance): void {
  const ctx = app.ctx;
  app.post('/step-up/passkey/options', { config: { auth: 'session', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const session = sessionOf(request);
    if ((await secondFactorStatus(ctx, ctx.storage.db, session.userId)).passkeys === 0) {
      return jsonError(reply, 400, 'invalid_request', 'You have no passkey. Enter a code from your authenticator app instead.');
    }
    const { cookie, options } = await beginPasskeyAssertion(ctx, relyingPartyOf(request), session.userId);
    setChallengeCookie(reply, cookie);
    return reply.type('application/json; charset=utf-8').send({ options });
  });
}
