/**
 * Who may read GET /metrics (issue 11 class 14: metrics are not readable by strangers by default).
 * Two checks, both applied: the client's address must be in METRICS_ALLOW (default loopback only),
 * and, when METRICS_TOKEN is set, the scrape must send `Authorization: Bearer <token>`.
 *
 * The address is `request.ip`, which honours TRUST_PROXY only (issue 11 class 4). A request that
 * carries a forwarding header while TRUST_PROXY is off came through a proxy minibank was not told
 * about: its peer is the proxy (often 127.0.0.1), not the client, so it is refused rather than
 * treated as local. Otherwise a same-host reverse proxy would hand /metrics to the whole internet.
 */
import crypto from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

export type MetricsAccess = { allowed: true } | { allowed: false; status: 401 | 403; message: string };

/**
 * Any header a proxy adds about the client or the original request: a proxy configured to send only
 * `X-Forwarded-Proto` (to say the request was HTTPS), a `Via`, or a CDN's client-address header still
 * betrays that the peer is a proxy. A proxy that adds nothing at all cannot be told apart: hence
 * "keep /metrics off the public internet at the proxy as well" in docs/operations.md.
 */
const FORWARDING_HEADERS = [
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
  'via',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-server',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'x-original-forwarded-for',
];

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest();

function tokenMatches(header: string | undefined, expected: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  // Hash both sides so the comparison takes the same time whatever the lengths.
  return match?.[1] !== undefined && crypto.timingSafeEqual(sha256(match[1]), sha256(expected));
}

/** METRICS_ALLOW compiled once: IPs and CIDR ranges of either family; IPv4-mapped IPv6 counts as IPv4. */
function addressMatcher(ranges: readonly string[]): (ip: string | undefined) => boolean {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', bits] = range.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (ip) => {
    if (!ip) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const address = mapped?.[1] ?? ip;
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * Builds the access rule for one app from its config. The returned function decides one request:
 * 403 `forbidden` for an address outside METRICS_ALLOW (or behind an unknown proxy), 401
 * `unauthenticated` for a missing or wrong token.
 */
export function metricsAccess(config: Pick<Config, 'metricsAllow' | 'metricsToken' | 'trustProxy'>): (request: FastifyRequest) => MetricsAccess {
  const addressAllowed = addressMatcher(config.metricsAllow);
  return (request) => {
    const viaUnknownProxy = config.trustProxy === false && FORWARDING_HEADERS.some((name) => request.headers[name] !== undefined);
    if (viaUnknownProxy || !addressAllowed(request.ip)) {
      return { allowed: false, status: 403, message: 'Metrics are readable only from the addresses in METRICS_ALLOW.' };
    }
    if (config.metricsToken && !tokenMatches(request.headers.authorization, config.metricsToken)) {
      return { allowed: false, status: 401, message: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.' };
    }
    return { allowed: true };
  };
}
