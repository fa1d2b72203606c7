/**
 * CSRF defence for every state-changing page request, run in preValidation: after the form body
 * is parsed, before any handler or session bookkeeping. Two independent checks, both must pass:
 *  1. The request must not come from another site: `Sec-Fetch-Site` (when sent) must be
 *     same-origin or none, and `Origin` (when sent) must be this bank's own origin.
 *  2. A token from @fastify/csrf-protection: the secret lives in a signed HttpOnly cookie, and each
 *     token is an HMAC bound to the session cookie (see session.ts), so a token from another
 *     browser, or from another session in this one, is refused. Sign-in and sign-up forms carry
 *     one too (bound to "anonymous"), which stops login CSRF.
 * A failure is `csrf_failed` (403, a friendly page) and nothing runs.
 */
import csrfProtection from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '../../domain/errors.js';
import { resolveSecret } from '../../secret-file.js';
import { deriveKey } from './cookies.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_FIELD = '_csrf';

export default fp(
  async function csrf(app: FastifyInstance) {
    const policy = app.cookiePolicy;
    await app.register(csrfProtection, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: policy.names.csrf,
      cookieOpts: { ...policy.base, signed: true },
      getUserInfo: (request: FastifyRequest) => request.sessionBinding,
      csrfOpts: { hmacKey: deriveKey(resolveSecret(app.ctx.config), 'csrf-token') },
      logLevel: 'info',
    });

    app.addHook('preValidation', (request, reply, done) => {
      // Every state-changing page request, unless its route says `config: { csrf: false }` (route-needs.ts).
      if (SAFE_METHODS.has(request.method) || request.routeOptions.config.csrf === false) return done();
      const refusal = crossSiteRefusal(request, app.ctx.config.publicUrl);
      if (refusal) {
        request.log.info({ reason: refusal }, 'cross-site form post refused');
        return done(csrfFailed());
      }
      // On a bad token the plugin sends FST_CSRF_* errors, which errors.ts maps to csrf_failed.
      app.csrfProtection(request, reply, done);
    });
  },
  { name: 'csrf', dependencies: ['session'] },
);

const csrfFailed = () => new DomainError('csrf_failed', 'This form has expired or did not come from minibank. Go back, reload the page and try again.');

/** Why the request looks cross-site, or null when it does not. */
export function crossSiteRefusal(request: FastifyRequest, publicUrl: string): string | null {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `sec-fetch-site: ${String(site)}`;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const expected = publicUrl || `${request.protocol}://${request.host}`;
    if (origin !== expected) return `origin ${origin} is not ${expected}`;
  }
  return null;
}

/** A fresh token for a form on this page (sets the secret cookie on first use). */
export function csrfToken(reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: reply.request.sessionBinding });
}
