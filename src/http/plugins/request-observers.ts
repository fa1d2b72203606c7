/**
 * The one onResponse hook that reports every finished request, 404s and errors included: its
 * access-log line, its metrics and its JSON log line. One hook instead of three, and the route and
 * time looked up once for all of them.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { accessLogLine } from './access-log.js';
import { logRequest } from './request-log.js';

export default fp(
  async function requestObservers(app: FastifyInstance) {
    const { accessLog: sink, metrics } = app;
    const clock = app.ctx.clock;
    // Not async: no promise per request.
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? null;
      const elapsedMs = reply.elapsedTime;
      // CLF shows when the request arrived: now, less the time it took.
      if (sink) sink.write(accessLogLine(request, reply, clock.nowMs() - elapsedMs));
      metrics.observeHttp(request.method, route ?? 'unmatched', reply.statusCode, elapsedMs / 1000);
      logRequest(request, reply, route, elapsedMs);
      done();
    });
  },
  { name: 'request-observers', dependencies: ['access-log', 'metrics'] },
);
