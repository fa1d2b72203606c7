import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../app/security-events.js';

/**
 * The client's IP and user agent for the audit trail. `request.ip` is the socket's peer address
 * unless TRUST_PROXY names the proxy in front, so a forged X-Forwarded-For never lands here.
 */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}
