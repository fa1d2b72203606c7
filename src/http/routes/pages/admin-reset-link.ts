/**
 * The console's password reset link (issue 18 item 4): on a customer's page, support staff issue a
 * one-time link with a reason; the answer to the POST shows it, once (it is not stored, so no later
 * page can show it again, and it is not put in a redirect or a flash cookie). Audited on both
 * timelines (src/app/staff-reset-link.ts). A bad reason shows the customer's page again with it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { issueStaffResetLink } from '../../../app/staff-reset-link.js';
import { isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { field } from '../../pages/forms.js';
import { formatDateTime } from '../../pages/format.js';
import { sessionOf } from '../../plugins/session.js';
import { staffOf } from '../../plugins/staff-access.js';
import { renderConsole } from './admin.js';

type ShowUser = (request: FastifyRequest, reply: FastifyReply, error: string | null, status: number) => Promise<FastifyReply>;

/** POST /admin/users/:user_id/reset-link; `showUser` renders the customer's page with an error. */
export function adminResetLinkPage(app: FastifyInstance, showUser: ShowUser): void {
  const post = { config: { auth: 'session', csrf: true, limit: 'money', staff: 'support' } } as const;
  app.post('/admin/users/:user_id/reset-link', post, async (request, reply) => {
    const { user_id } = request.params as { user_id: string };
    try {
      const issued = await issueStaffResetLink(app.ctx, { staff: staffOf(request), client: clientInfo(request) }, user_id, field(request, 'reason'));
      return renderConsole(request, reply, 'admin-reset-link', {
        title: `Reset link for ${issued.username}`,
        userId: user_id,
        username: issued.username,
        link: issued.link,
        expires: formatDateTime(BigInt(issued.expiresAtMs), sessionOf(request).timeZone),
        expiresIso: new Date(issued.expiresAtMs).toISOString(),
      });
    } catch (error) {
      if (!isDomainError(error) || (error.param !== 'reason' && error.code !== 'forbidden')) throw error;
      return showUser(request, reply, error.message, error.code === 'forbidden' ? 403 : 400);
    }
  });
}
