/**
 * The half-signed-in cookie (issue 13, src/app/pending-sign-in.ts): set after a right password when
 * a second factor is on, read only by /login/second-factor. HttpOnly, SameSite=Lax, Path=/, Secure
 * and `__Host-` prefixed under HTTPS like every other cookie, and it lives only
 * SECOND_FACTOR_PENDING_MINUTES. It is not a session cookie: no other page and not the API reads it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const nameOf = (secure: boolean) => (secure ? '__Host-signin' : 'signin');

export function readPendingCookie(request: FastifyRequest): string | null {
  const value = request.cookies?.[nameOf(request.server.cookiePolicy.secure)];
  return typeof value === 'string' && value.length <= 128 ? value : null;
}

export function setPendingCookie(reply: FastifyReply, id: string, maxAgeSeconds: number): void {
  const policy = reply.server.cookiePolicy;
  reply.setCookie(nameOf(policy.secure), id, { ...policy.base, maxAge: maxAgeSeconds });
}

export function clearPendingCookie(reply: FastifyReply): void {
  const policy = reply.server.cookiePolicy;
  reply.setCookie(nameOf(policy.secure), '', { ...policy.base, maxAge: 0 });
}
