import type { FastifyRequest } from 'fastify';
import type { ClientInfo } from '../app/security-events.js';
import type { Config } from '../config.js';

/**
 * Fastify's `trustProxy` for the TRUST_PROXY setting: `false` (the TCP peer is the client) or the
 * list of proxy addresses/CIDR ranges that proxy-addr compiles. A forwarded address is believed
 * only hop by hop from the socket while each hop is in that list, so a directly connected client
 * never chooses its own address (issue 11 class 4; the setting refuses `on`, hop counts and /0).
 */
export function fastifyTrustProxy(setting: Config['trustProxy']): false | string[] {
  return setting === false ? false : [...setting];
}

/**
 * The client's IP and user agent for the audit trail. `request.ip` is the socket's peer address
 * unless TRUST_PROXY names the proxy in front, so a forged X-Forwarded-For never lands here.
 */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}
