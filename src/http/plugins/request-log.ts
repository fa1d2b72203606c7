/**
 * One JSON log line per finished request (written by the request-observers plugin): request id,
 * method, route template, path, status and duration. It replaces Fastify's built-in request
 * logging, whose serializers would print headers (cookies, bearer tokens); the query string is left
 * out too, since a client may put anything there.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** `route` is the matched route template, null when none matched; `elapsedMs` the time to answer. */
export function logRequest(request: FastifyRequest, reply: FastifyReply, route: string | null, elapsedMs: number): void {
  const status = reply.statusCode;
  const log = request.log;
  const url = request.raw.url ?? '';
  const query = url.indexOf('?');
  const line = {
    method: request.method,
    route,
    path: query === -1 ? url : url.slice(0, query),
    status,
    durationMs: Math.round(elapsedMs * 100) / 100,
    userId: request.principal?.userId ?? (request as unknown as { session?: { userId?: string } | null }).session?.userId ?? null,
  };
  if (status >= 500) log.warn(line, 'request failed');
  // Probes and scrapes arrive every few seconds; their successes are noise at info.
  else if (status < 400 && route !== null && QUIET_ROUTES.has(route)) log.debug(line, 'request completed');
  else log.info(line, 'request completed');
}
