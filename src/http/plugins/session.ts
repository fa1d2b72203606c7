/**
 * Web sessions: reads the `session` cookie on every page request and sets `request.session` to the
 * live session (or null). It only reads here; activity is recorded in preHandler, after the CSRF
 * check (preValidation) has passed, so a forged request changes nothing at all. Never registered
 * for /api: the JSON API does not look at cookies.
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { keepSessionAlive, resumeSession, type ActiveSession } from '../../app/resume-session.js';
import { hashSessionId } from '../../app/session-id.js';
import type { StartedSession } from '../../app/start-session.js';
import { resolveSecret } from '../../secret-file.js';
import { loginUrlFor } from '../pages/safe-next.js';
import { cookiePolicy, deriveKey, type CookiePolicy } from './cookies.js';

declare module 'fastify' {
  interface FastifyRequest {
    session: ActiveSession | null;
    /** What CSRF tokens are bound to: the hash of the session cookie as sent, or "anonymous". */
    sessionBinding: string;
  }
  interface FastifyInstance {
    cookiePolicy: CookiePolicy;
  }
}

export default fp(
  async function session(app: FastifyInstance) {
    const policy = cookiePolicy(app.ctx.config);
    await app.register(cookie, { secret: deriveKey(resolveSecret(app.ctx.config), 'cookie-signing'), hook: 'onRequest' });
    app.decorate('cookiePolicy', policy);
    app.decorateRequest('session', null);
    app.decorateRequest('sessionBinding', 'anonymous');

    app.addHook('onRequest', async (request) => {
      const raw = request.cookies[policy.names.session];
      // Bound to the cookie as sent, valid or not, so a form posted after the session expired
      // passes CSRF and then meets the sign-in redirect instead of a confusing 403.
      request.sessionBinding = raw ? hashSessionId(raw) : 'anonymous';
      request.session = await resumeSession(app.ctx, raw);
    });

    app.addHook('preHandler', async (request) => {
      if (request.session) await keepSessionAlive(app.ctx, request.session);
    });

    // A page needs a session unless its route says `config: { auth: 'public' }` (route-needs.ts);
    // read per request, so a scope that declares its routes' needs late (static files) is seen too.
    app.addHook('preHandler', async (request, reply) => {
      if ((request.routeOptions.config.auth ?? 'session') === 'session') return requireSession(request, reply);
    });
  },
  { name: 'session', dependencies: [] },
);

export function setSessionCookie(reply: FastifyReply, started: StartedSession): void {
  const policy = reply.server.cookiePolicy;
  reply.setCookie(policy.names.session, started.id, policy.base);
}

/** `Set-Cookie: session=; Max-Age=0` (plus the same attributes, so the browser matches it). */
export function clearSessionCookie(reply: FastifyReply): void {
  const policy = reply.server.cookiePolicy;
  reply.clearCookie(policy.names.session, policy.base);
}

/**
 * preHandler for signed-in pages (every page whose route needs a session, see the hook above): a
 * signed-out visitor is sent to /login with `next` pointing back; for a form post, back to the
 * form's page (the post's first path segment, when that is a page), since a POST URL has no page.
 */
export async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.session) return;
  let next: string | null = request.url;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const page = '/' + (request.url.split(/[/?#]/)[1] ?? '');
    next = page !== '/' && request.server.hasRoute({ method: 'GET', url: page }) ? page : null;
  }
  return reply.code(303).header('cache-control', 'no-store').redirect(loginUrlFor(next), 303);
}

export function sessionOf(request: FastifyRequest): ActiveSession {
  if (!request.session) throw new Error('route used without requireSession');
  return request.session;
}
