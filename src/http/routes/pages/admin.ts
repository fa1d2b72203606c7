/**
 * The operators' console (issue 15 item 4): /admin pages for support and admin staff, in the bank's
 * design language, working without JavaScript: find a customer, see them (accounts, the security
 * timeline) and an account (its history), freeze, unfreeze and sign out with a reason
 * (POST-redirect-GET, CSRF on every form). Every route says `staff` (route-needs.ts), so
 * plugins/staff-access.ts refuses customers and staff without a second factor before anything runs;
 * every look is audited (src/app/staff-looks.ts). Roles are in admin-roles.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setAccountFrozen, signOutUserEverywhere } from '../../../app/staff-actions.js';
import { lookAtAccount, lookAtCustomer, lookAtHistory, searchCustomers, type Looker } from '../../../app/staff-looks.js';
import { recordStaffAction } from '../../../app/staff-audit.js';
import { isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { field } from '../../pages/forms.js';
import { securityTimeline } from '../../pages/security-timeline.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';
import { staffOf } from '../../plugins/staff-access.js';
import { accountRow, adminNav, customerRow, historyRow } from './admin-views.js';
import { adminResetLinkPage } from './admin-reset-link.js';

const looker = (request: FastifyRequest): Looker => ({ staff: staffOf(request), client: clientInfo(request), reason: null });
const actor = (request: FastifyRequest) => ({ staff: staffOf(request), client: clientInfo(request) });

/** Renders a console page with the console's navigation. */
export function renderConsole(request: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown> & { title: string }, status = 200) {
  return renderPage(reply, template, { ...data, adminNav: adminNav(staffOf(request).roles.includes('admin')) }, status);
}

export default async function adminPages(app: FastifyInstance): Promise<void> {
  const page = { config: { auth: 'session', limit: 'global', staff: 'support' } } as const;

  app.get('/admin', page, async (request, reply) => {
    const q = typeof (request.query as { q?: unknown }).q === 'string' ? (request.query as { q: string }).q : '';
    if (q.trim() === '') return renderConsole(request, reply, 'admin-search', { title: 'Console', q, results: null, hasMore: false, error: null });
    try {
      const found = await searchCustomers(app.ctx, looker(request), q);
      return renderConsole(request, reply, 'admin-search', { title: 'Console', q, results: found.data.map(customerRow), hasMore: found.hasMore, error: null });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return renderConsole(request, reply, 'admin-search', { title: 'Console', q, results: null, hasMore: false, error: error.message }, 400);
    }
  });

  app.get('/admin/users/:user_id', page, async (request, reply) => showUser(request, reply, null, 200));

  app.get('/admin/accounts/:account_id', page, async (request, reply) => showAccount(request, reply, null, 200));

  async function showUser(request: FastifyRequest, reply: FastifyReply, error: string | null, status: number) {
    const { user_id } = request.params as { user_id: string };
    const card = await lookAtCustomer(app.ctx, looker(request), user_id);
    await recordStaffAction(app.ctx, staffOf(request), clientInfo(request), 'staff_looked', { what: 'timeline', user: card.user.id, reason: null });
    const timeline = await securityTimeline(app.ctx, card.user.id, sessionOf(request).timeZone);
    return renderConsole(
      request,
      reply,
      'admin-user',
      { title: `Customer ${card.user.username}`, customer: customerRow(card), events: timeline.items, error },
      status,
    );
  }

  async function showAccount(request: FastifyRequest, reply: FastifyReply, error: string | null, status: number) {
    const { account_id } = request.params as { account_id: string };
    const account = await lookAtAccount(app.ctx, looker(request), account_id);
    const history = await lookAtHistory(app.ctx, looker(request), { accountId: account_id, limit: 20 });
    const timeZone = sessionOf(request).timeZone;
    const data = { account: accountRow(account), history: history.data.map((t) => historyRow(t, timeZone)), hasMore: history.hasMore, error };
    return renderConsole(request, reply, 'admin-account', { title: `Account ${account.name}`, ...data }, status);
  }

  adminActionPages(app, showAccount, showUser);
  adminResetLinkPage(app, showUser);
}

type Show = (request: FastifyRequest, reply: FastifyReply, error: string | null, status: number) => Promise<FastifyReply>;

/** The console's forms: freeze, unfreeze and sign out, each with a reason; a bad reason shows the page again with it. */
function adminActionPages(app: FastifyInstance, showAccount: Show, showUser: Show): void {
  const post = { config: { auth: 'session', csrf: true, limit: 'money', staff: 'support' } } as const;
  for (const [path, freeze] of [
    ['freeze', true],
    ['unfreeze', false],
  ] as const) {
    app.post(`/admin/accounts/:account_id/${path}`, post, async (request, reply) => {
      const { account_id } = request.params as { account_id: string };
      try {
        const account = await setAccountFrozen(app.ctx, actor(request), account_id, freeze, field(request, 'reason'));
        return redirectWithFlash(reply, `/admin/accounts/${encodeURIComponent(account.id)}`, {
          kind: 'success',
          text: `${freeze ? 'Froze' : 'Unfroze'} ${account.name}.`,
        });
      } catch (error) {
        if (!isDomainError(error) || (error.param !== 'reason' && error.code !== 'forbidden')) throw error;
        return showAccount(request, reply, error.message, error.code === 'forbidden' ? 403 : 400);
      }
    });
  }

  app.post('/admin/users/:user_id/sign-out', post, async (request, reply) => {
    const { user_id } = request.params as { user_id: string };
    try {
      const ended = await signOutUserEverywhere(app.ctx, actor(request), user_id, field(request, 'reason'));
      const text = `Signed out everywhere: ${ended.sessions} web session(s), ${ended.tokens} API token(s).`;
      return redirectWithFlash(reply, `/admin/users/${encodeURIComponent(user_id)}`, { kind: 'success', text });
    } catch (error) {
      if (!isDomainError(error) || error.param !== 'reason') throw error;
      return showUser(request, reply, error.message, 400);
    }
  });
}
