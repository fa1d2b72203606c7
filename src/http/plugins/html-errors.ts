/**
 * Friendly error pages (404, 403, 500, …) for everything outside /api, through the hook that
 * errors.ts offers. A 5xx page says only that something failed, with the request id to quote.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { resumeSession } from '../../app/resume-session.js';
import type { DomainError } from '../../domain/errors.js';
import { eta, renderPage } from '../pages/views.js';
import { cookiePolicy } from './cookies.js';

const TITLES: Record<number, string> = {
  400: 'That request did not look right',
  401: 'Please sign in',
  403: 'That was not allowed',
  404: 'Page not found',
  405: 'That cannot be done here',
  409: 'That was already done',
  413: 'That was too much at once',
  415: 'That form could not be read',
  429: 'Slow down a little',
  500: 'Something went wrong',
  503: 'minibank is busy',
};

/**
 * True when the pages' own hooks ran for this request and this reply (cookies read, the cookie policy
 * and CSRF on the reply's instance), so renderPage may add the CSRF token and the flash.
 */
function passedThroughPages(request: FastifyRequest, reply: FastifyReply): boolean {
  const instance = reply.server as { cookiePolicy?: unknown };
  return request.cookies != null && instance.cookiePolicy !== undefined && typeof (reply as { generateCsrf?: unknown }).generateCsrf === 'function';
}

export default fp(
  async function htmlErrors(app: FastifyInstance) {
    const sessionCookie = cookiePolicy(app.ctx.config).names.session;

    /**
     * A 404 for an unknown URL never passed through the pages' scope, so its session was not read:
     * read it here (only to show the right navigation; nothing is written).
     */
    async function ensureSession(request: FastifyRequest): Promise<void> {
      if (request.session !== undefined || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const header = request.headers.cookie ?? '';
      const raw = header
        .split(/;\s*/)
        .find((c) => c.startsWith(`${sessionCookie}=`))
        ?.slice(sessionCookie.length + 1);
      request.session = await resumeSession(app.ctx, raw).catch(() => null);
    }

    app.decorate('htmlErrorRenderer', async (request, reply, status: number, error: DomainError) => {
      await ensureSession(request);
      const title = TITLES[status] ?? (status >= 500 ? TITLES[500]! : TITLES[400]!);
      const message =
        status === 404
          ? 'We could not find that page. It may have moved, or the address may be mistyped.'
          : status >= 500
            ? 'Our side failed to handle that. Nothing was changed; please try again in a moment.'
            : error.message;
      reply.header('cache-control', 'no-store');
      const data = { title, status, code: error.code, message, requestId: status >= 500 ? request.id : null };
      if (passedThroughPages(request, reply)) return renderPage(reply, 'error', data, status);
      // A 404 from the static files, a 429 from the global limit (before cookies are read), a 405 or
      // an undecodable URL: no CSRF token or flash to show, only the layout and the signed-in name.
      const session = request.session ?? null;
      const html = eta.render('./error', {
        ...data,
        user: session ? { username: session.username } : null,
        csrf: null,
        flash: null,
        path: request.url.split('?')[0] ?? '/',
      });
      return reply.code(status).type('text/html; charset=utf-8').send(html);
    });
  },
  { name: 'html-errors' },
);
