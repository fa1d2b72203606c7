/**
 * GET /metrics in Prometheus text format, and the counters fed by hooks and the audit trail.
 * Requests are counted by route template (never the raw URL, so ids do not explode the label set)
 * and status, from the request-observers plugin. With METRICS_TOKEN set, a scrape must send
 * `Authorization: Bearer <token>`; the comparison is constant-time.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isDomainError } from '../../domain/errors.js';
import { errorBody } from '../error-status.js';
import { securityEvent } from '../logger.js';
import type { Metrics } from '../metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest();

function tokenMatches(header: string | undefined, expected: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  // Hash both sides so the comparison takes the same time whatever the lengths.
  return match?.[1] !== undefined && crypto.timingSafeEqual(sha256(match[1]), sha256(expected));
}

export default fp(
  async function metricsPlugin(app: FastifyInstance, options: { metrics: Metrics }) {
    const { metrics } = options;
    app.decorate('metrics', metrics);

    app.addHook('onError', async (_request, _reply, error) => {
      const code = (error as { code?: unknown }).code;
      if ((isDomainError(error) && error.code === 'csrf_failed') || (typeof code === 'string' && code.startsWith('FST_CSRF'))) {
        metrics.csrfRejected.inc();
      }
    });

    // Every audit-trail event also becomes a log line and a counter, so the three tell one story.
    app.ctx.security?.observers.push((event) => {
      metrics.securityEvents.inc({ type: event.type });
      securityEvent(app.log, event);
    });

    app.addHook('onClose', async () => metrics.dispose());
  },
  { name: 'metrics' },
);

/** GET /metrics. */
export const metricsRoute = fp(
  async function metricsRoute(app: FastifyInstance) {
    const token = app.ctx.config.metricsToken;
    app.get('/metrics', async (request, reply) => {
      if (token && !tokenMatches(request.headers.authorization, token)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        // JSON, never the HTML error page: the client is a scraper.
        return reply.code(401).type('application/json; charset=utf-8').send(errorBody('unauthenticated', 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.'));
      }
      const body = await app.metrics.render();
      return reply.header('cache-control', 'no-store').type(app.metrics.contentType).send(body);
    });
  },
  { name: 'metrics-route', dependencies: ['metrics'] },
);
