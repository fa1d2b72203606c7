/**
 * The known-device cookie (see src/services/known-device.ts): set after a successful page login, read at
 * the next login so this browser is throttled on its own count rather than the username's. HttpOnly,
 * Secure and `__Host-` prefixed under HTTPS like every other cookie; it proves nothing by itself
 * (the password is still checked), it only spares the owner a lock an attacker caused.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEVICE_TOKEN_TTL_SECONDS } from '../../services/known-device.js';

const nameOf = (secure: boolean) => (secure ? '__Host-device' : 'device');

export function readDeviceCookie(request: FastifyRequest): string | null {
  const value = request.cookies?.[nameOf(request.server.cookiePolicy.secure)];
  return typeof value === 'string' && value.length <= 1024 ? value : null;
}

export function setDeviceCookie(reply: FastifyReply, token: string): void {
  const policy = reply.server.cookiePolicy;
  reply.setCookie(nameOf(policy.secure), token, { ...policy.base, maxAge: DEVICE_TOKEN_TTL_SECONDS });
}
