/**
 * The template engine (eta, auto-escaping on: `<%= %>` escapes & < > " '; `<%~ %>` is only used for
 * the layout body and partials) and the one function every page renders through, which adds what
 * the layout needs: the signed-in user, a CSRF token for the sign-out button and forms, the flash.
 */
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { FastifyReply } from 'fastify';
import { csrfToken } from '../plugins/csrf.js';
import { readFlash, type Flash } from './flash.js';

/**
 * Templates stay in src/views (tsc copies no .eta files); this resolves to it from both
 * src/http/pages (tsx, tests) and dist/http/pages (npm start), which sit at the same depth.
 */
export const VIEWS_DIR = fileURLToPath(new URL('../../../src/views/', import.meta.url));

export const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: process.env.NODE_ENV !== 'development', defaultExtension: '.eta' });
if (!eta.config.autoEscape) throw new Error('eta must escape by default');

export interface PageData {
  title: string;
  [key: string]: unknown;
}

export interface LayoutData extends PageData {
  /** `unread`: the bell's count of unread notices (issue 18), read with the session. */
  user: { username: string; unread: number } | null;
  csrf: string | null;
  flash: Flash | null;
  path: string;
  /** Issue 12 item 9: "Add money" is offered only when SELF_SERVICE_DEPOSITS is on. */
  selfServiceDeposits: boolean;
}

/**
 * True when the pages' own hooks ran for this request and this reply (cookies read, the cookie policy
 * and CSRF on the reply's instance). Answers from outside the pages (a 404 from the static files, a
 * 429 from the global limit, a 405, an undecodable URL) have no CSRF token or flash to show.
 */
function passedThroughPages(reply: FastifyReply): boolean {
  const instance = reply.server as { cookiePolicy?: unknown };
  return reply.request.cookies != null && instance.cookiePolicy !== undefined && typeof (reply as { generateCsrf?: unknown }).generateCsrf === 'function';
}

/** Renders `template` inside the layout and sends it as HTML with `status`. */
export function renderPage(reply: FastifyReply, template: string, data: PageData, status = 200): FastifyReply {
  const request = reply.request;
  const hasCsrf = passedThroughPages(reply);
  const session = (request as { session?: { username: string; unreadNotices?: number } | null }).session ?? null;
  const full: LayoutData = {
    ...data,
    user: session ? { username: session.username, unread: session.unreadNotices ?? 0 } : null,
    csrf: hasCsrf ? csrfToken(reply) : null,
    flash: hasCsrf ? readFlash(reply) : null,
    path: request.url.split('?')[0] ?? '/',
    selfServiceDeposits: reply.server.ctx.config.selfServiceDeposits,
  };
  const html = eta.render(`./${template}`, full);
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}
