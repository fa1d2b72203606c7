/**
 * Security headers on every response, API and pages, errors included:
 *
 * - a strict Content-Security-Policy (no inline script or style, no plugins, no <base>, no framing,
 *   forms post only to this origin), plus X-Frame-Options for old browsers;
 * - X-Content-Type-Options: nosniff, Referrer-Policy: same-origin (the Origin header of same-origin
 *   form posts survives it, which the CSRF check relies on), cross-origin isolation of windows and
 *   resources;
 * - Strict-Transport-Security only when the request came over HTTPS (directly, or through a proxy
 *   named in TRUST_PROXY): a plain-HTTP answer cannot set it anyway, and sending it on a local
 *   http:// install would be noise;
 * - Cache-Control: no-store unless the route chose its own (static assets do), so nothing private
 *   lands in a shared or browser cache by default.
 *
 * Fastify sends no X-Powered-By. A generic plugin rebuilt its header set on every request and cost a
 * hello-world more than half its throughput; here the set is computed once and one onSend hook copies
 * it (bench/security-overhead.ts measures the difference).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export const CONTENT_SECURITY_POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
export const HSTS = 'max-age=31536000; includeSubDomains';

/** The rendered API reference (plugins/openapi.ts): Swagger UI, served from the installed package. */
export const DOCS_PREFIX = '/docs/api';
/**
 * Issue 12 item 6: the one exception to the policy above, for DOCS_PREFIX only. Swagger UI's own
 * script and styles still come from this origin only; it also needs inline style attributes (React
 * sets them) and data: images (its icons). Nothing else is relaxed: no inline script, no eval, no
 * other origin, no framing. Every other path, and any error answer under it, keeps CONTENT_SECURITY_POLICY.
 */
export const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** True for the reference page and its assets: /docs/api, /docs/api/ and below (not /docs/apiX). */
function isDocsPage(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path === DOCS_PREFIX || path.startsWith(`${DOCS_PREFIX}/`);
}

const STATIC_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([
  ['content-security-policy', CONTENT_SECURITY_POLICY],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'same-origin'],
  ['x-frame-options', 'DENY'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
] as const);

/** The fixed headers as raw `name: value` lines, for answers written straight to a socket (client-errors.ts). */
export function securityHeaderLines(): string[] {
  return STATIC_HEADERS.map(([name, value]) => `${name}: ${value}`);
}

/** The onSend hook; also called directly for answers sent before routing (a URL that cannot be decoded). */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  for (const [name, value] of STATIC_HEADERS) reply.header(name, value);
  // Only the page and its assets themselves: an error answer under /docs/api runs no Swagger UI.
  if (reply.statusCode < 400 && isDocsPage(request.url)) reply.header('content-security-policy', DOCS_CONTENT_SECURITY_POLICY);
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  reply.removeHeader('x-powered-by');
  done(null, payload);
}

export default fp(
  async function securityHeaders(app: FastifyInstance) {
    app.addHook('onSend', applySecurityHeaders);
  },
  { name: 'security-headers' },
);
