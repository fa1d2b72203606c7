/**
 * Roles in the console (issue 15 item 1): admins see who is staff and grant or revoke support and
 * admin by username, never to themselves (src/app/manage-roles.ts refuses). Admin only.
 */
import type { FastifyInstance, FastifyRequest, FastifyReply } from 'fastify';
import { changeRole } from '../../../app/manage-roles.js';
import { listStaff } from '../../../app/staff-looks.js';
import { isDomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { field } from '../../pages/forms.js';
import { staffOf } from '../../plugins/staff-access.js';
import { renderConsole } from './admin.js';

export default async function adminRolePages(app: FastifyInstance): Promise<void> {
  async function show(request: FastifyRequest, reply: FastifyReply, error: string | null, status: number) {
    const staff = await listStaff(app.ctx);
    const me = staffOf(request).userId;
    const rows = staff.map((s) => ({ username: s.username, roles: s.roles, self: s.userId === me }));
    return renderConsole(request, reply, 'admin-roles', { title: 'Roles', staff: rows, error }, status);
  }

  app.get('/admin/roles', { config: { auth: 'session', limit: 'global', staff: 'admin' } }, async (request, reply) => show(request, reply, null, 200));

  for (const [path, grant] of [
    ['grant', true],
    ['revoke', false],
  ] as const) {
    app.post(`/admin/roles/${path}`, { config: { auth: 'session', csrf: true, limit: 'money', staff: 'admin' } }, async (request, reply) => {
      const username = field(request, 'username');
      try {
        const change = { username, role: field(request, 'role'), by: staffOf(request), client: clientInfo(request) };
        const result = await changeRole(app.ctx, change, grant);
        const text = result.changed ? `${grant ? 'Granted' : 'Revoked'} ${result.role} ${grant ? 'to' : 'from'} ${username}.` : 'Nothing to change.';
        return redirectWithFlash(reply, '/admin/roles', { kind: result.changed ? 'success' : 'info', text });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        return show(request, reply, error.message, error.code === 'forbidden' ? 403 : error.code === 'not_found' ? 404 : 400);
      }
    });
  }
}
