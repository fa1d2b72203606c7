/**
 * GET /metrics in Prometheus text format, and the counters fed by hooks and the audit trail.
 * Requests are counted by route template (never the raw URL, so ids do not explode the label set)
 * and status, from the request-observers plugin. Who may scrape is decided in ../metrics-access.ts
 * (METRICS_ALLOW, loopback by default, and METRICS_TOKEN when set).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isDomainError } from '../../domain/errors.js';
import { errorBody } from '../error-status.js';
import { securityEvent } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { metricsAccess } from '../metrics-access.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
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
    const access = metricsAccess(app.ctx.config);
    // Not a user's: METRICS_ALLOW / METRICS_TOKEN decide (metrics-access.ts).
    app.get('/metrics', { config: { auth: 'public', limit: 'global' } }, async (request, reply) => {
      const decision = access(request);
      if (!decision.allowed) {
        if (decision.status === 401) reply.header('www-authenticate', 'Bearer realm="metrics"');
        // JSON, never the HTML error page: the client is a scraper.
        const code = decision.status === 401 ? 'unauthenticated' : 'forbidden';
        return reply
          .code(decision.status)
          .headers({ 'cache-control': 'no-store' })
          .type('application/json; charset=utf-8')
          .send(errorBody(code, decision.message));
      }
      const body = await app.metrics.render();
      return reply.header('cache-control', 'no-store').type(app.metrics.contentType).send(body);
    });
  },
  { name: 'metrics-route', dependencies: ['metrics'] },
);
