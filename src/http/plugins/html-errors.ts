/**
 * Friendly error pages (404, 403, 500, …) for everything outside /api, through the hook that
 * errors.ts offers. A 5xx page says only that something failed, with the request id to quote.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { resumeSession } from '../../app/resume-session.js';
import type { DomainError } from '../../domain/errors.js';
import { renderPage } from '../pages/views.js';
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
      return renderPage(reply, 'error', data, status);
    });
  },
  { name: 'html-errors' },
);
