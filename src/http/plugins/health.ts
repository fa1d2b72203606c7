/**
 * GET /healthz: the process is alive and serving HTTP (no dependency checked, so a slow database
 * never gets a healthy process restarted). GET /readyz: the database answers within
 * READY_TIMEOUT_MS and the instance is not draining; otherwise 503 `unavailable`, so a load balancer
 * stops sending traffic before shutdown and while the database is away.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from '../error-status.js';

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

    app.get('/healthz', async (_request, reply) => reply.headers(noStore).send({ status: 'ok' }));

    app.get('/readyz', async (request, reply) => {
      reply.headers(noStore);
      // Always JSON (never the HTML error page): load balancers and scripts read this.
      const unavailable = (message: string) => reply.code(503).type('application/json; charset=utf-8').send(errorBody('unavailable', message, undefined, request.id));
      if (app.lifecycle.draining) return unavailable('This instance is shutting down.');
      try {
        await withTimeout(app.ctx.storage.ping(), app.ctx.config.readyTimeoutMs);
      } catch (error) {
        request.log.warn({ err: error instanceof Timeout ? undefined : error, timeoutMs: app.ctx.config.readyTimeoutMs }, 'readiness check: database did not answer');
        return unavailable('The database is not answering.');
      }
      return reply.send({ status: 'ready' });
    });
  },
  { name: 'health' },
);
