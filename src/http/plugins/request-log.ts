/**
 * One JSON log line per finished request: request id, method, route template, path, status and
 * duration. It replaces Fastify's built-in request logging, whose serializers would print headers
 * (cookies, bearer tokens); the query string is left out too, since a client may put anything there.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export default fp(
  async function requestLog(app: FastifyInstance) {
    app.addHook('onResponse', async (request, reply) => {
      const status = reply.statusCode;
      const line = {
        method: request.method,
        route: request.routeOptions.url ?? null,
        path: (request.raw.url ?? '').split('?')[0],
        status,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        userId: request.principal?.userId ?? (request as unknown as { session?: { userId?: string } | null }).session?.userId ?? null,
      };
      if (status >= 500) request.log.warn(line, 'request failed');
      // Probes and scrapes arrive every few seconds; their successes are noise at info.
      else if (status < 400 && line.route !== null && QUIET_ROUTES.has(line.route)) request.log.debug(line, 'request completed');
      else request.log.info(line, 'request completed');
    });
  },
  { name: 'request-log' },
);
