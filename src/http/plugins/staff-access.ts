/**
 * Staff routes (issue 15): every route whose config says `staff: 'support' | 'admin'`
 * (route-needs.ts) gets the staff check as an onRequest hook after its authentication, so a
 * customer, a staff member without the role, or one without a second factor is refused with 403
 * `forbidden` before the body or query is looked at, and nothing runs. Registered at the root,
 * before any route, so the API's and the pages' routes are both seen.
 *
 * On the pages, a staff member's session also has the shorter idle limit STAFF_SESSION_IDLE_MINUTES:
 * past it the console treats them as signed out (sent to sign in again, nothing written).
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { requireStaff, type StaffMember } from '../../app/staff-access.js';
import { appendHook, needsBearer } from '../route-needs.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The staff member on a staff route, once the check passed (else null). */
    staff: StaffMember | null;
  }
}

/** The staff member of a staff route's request (set by the check); throws when used elsewhere. */
export function staffOf(request: FastifyRequest): StaffMember {
  if (!request.staff) throw new Error('route used without config.staff');
  return request.staff;
}

async function checkApiStaff(request: FastifyRequest): Promise<void> {
  const need = request.routeOptions.config.staff;
  if (!need || !request.principal) return;
  request.staff = await requireStaff(request.server.ctx, request.principal, need);
}

async function checkPageStaff(request: FastifyRequest): Promise<void> {
  const need = request.routeOptions.config.staff;
  const session = request.session;
  if (!need || !session) return; // Signed out: requireSession sends them to sign in.
  request.staff = await requireStaff(request.server.ctx, session, need);
  const idleMs = BigInt(request.server.ctx.config.staffSessionIdleMinutes) * 60_000n;
  if (BigInt(request.server.ctx.clock.nowMs()) - session.lastSeenAtMs > idleMs) {
    // Too long idle for staff: signed out here (requireSession redirects), nothing touched.
    request.session = null;
    request.staff = null;
  }
}

export default fp(
  async function staffAccess(app: FastifyInstance) {
    app.decorateRequest('staff', null);
    app.addHook('onRoute', (route: RouteOptions) => {
      const need = route.config?.staff;
      if (!need) return;
      if (route.config?.auth === 'public') throw new Error(`${String(route.method)} ${route.url}: a staff route cannot be public`);
      appendHook(route, 'onRequest', needsBearer(route) && route.url.startsWith('/api/') ? checkApiStaff : checkPageStaff);
    });
  },
  { name: 'staff-access' },
);
