/**
 * GET /healthz: the process is alive and serving HTTP (no dependency checked, so a slow database
 * never gets a healthy process restarted, and no probe ever reaches the database). GET /readyz: the
 * database answers within READY_TIMEOUT_MS and the instance is not draining; otherwise 503
 * `unavailable`, so a load balancer stops sending traffic before shutdown and while the database is
 * away. The database check is shared and reused for READY_CACHE_MS (../ready-check.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from '../error-status.js';
import { cachedReadyCheck } from '../ready-check.js';

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: {
      /** True once shutdown began: /readyz answers 503 from then on. */
      draining: boolean;
    };
  }
}

class Timeout extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Timeout()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export default fp(
  async function health(app: FastifyInstance) {
    app.decorate('lifecycle', { draining: false });
    const noStore = { 'cache-control': 'no-store' };
    // Always JSON (never the HTML error page): load balancers, scripts and API clients read this.
    const unavailable = (request: FastifyRequest, reply: FastifyReply, message: string) =>
      reply
        .code(503)
        .headers(noStore)
        .type('application/json; charset=utf-8')
        .send(errorBody('unavailable', message, undefined, request.id));

    // However the app is closed (a signal, a test), it drains: new requests are refused below.
    app.addHook('preClose', async () => {
      app.lifecycle.draining = true;
    });
    // While draining, a request that still arrives (on a kept-alive connection) is refused with the
    // contract's 503 and the connection closed, through the normal hooks, so the access log and the
    // metrics see it. Requests already running are not affected. (This replaces Fastify's
    // return503OnClosing, whose bare 503 skips every hook.)
    app.addHook('onRequest', async (request, reply) => {
      if (!app.lifecycle.draining || request.routeOptions.url === '/healthz') return;
      reply.header('connection', 'close');
      return unavailable(request, reply, 'This instance is shutting down; retry on another.');
    });

    app.get('/healthz', { config: { auth: 'public', limit: 'none' } }, async (_request, reply) => reply.headers(noStore).send({ status: 'ok' }));

    const databaseReady = cachedReadyCheck({
      check: () => withTimeout(app.ctx.storage.ping(), app.ctx.config.readyTimeoutMs),
      clock: app.ctx.clock,
      cacheMs: app.ctx.config.readyCacheMs,
    });
    app.get('/readyz', { config: { auth: 'public', limit: 'none' } }, async (request, reply) => {
      reply.headers(noStore);
      if (app.lifecycle.draining) return unavailable(request, reply, 'This instance is shutting down.');
      const outcome = await databaseReady();
      if (!outcome.ok) {
        const error = outcome.error;
        request.log.warn(
          { err: error instanceof Timeout ? undefined : error, timeoutMs: app.ctx.config.readyTimeoutMs },
          'readiness check: database did not answer',
        );
        return unavailable(request, reply, 'The database is not answering.');
      }
      return reply.send({ status: 'ready' });
    });
  },
  { name: 'health' },
);
