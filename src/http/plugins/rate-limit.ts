/**
 * Rate limits, all through @fastify/rate-limit (in memory, or in Redis when REDIS_URL is set so
 * every instance shares one count):
 *
 * - global: RATE_LIMIT_GLOBAL_PER_MINUTE requests per client IP on every route (but the probes,
 *   `limit: 'none'`: never throttled into "unhealthy");
 * - authentication: RATE_LIMIT_AUTH_PER_MINUTE attempts per client IP on the routes that say
 *   `limit: 'auth'` (sign-up, login, token, password change), on top of the global limit and the
 *   per-username throttle in the use case;
 * - money: RATE_LIMIT_MONEY_PER_MINUTE per user on the routes that say `limit: 'money'`.
 *
 * Each route names its limit in its config (route-needs.ts); the numbers are in config and used in
 * one table, limitTable below.
 *
 * The client IP is the socket's peer unless TRUST_PROXY names the proxy, so rotating
 * X-Forwarded-For values buys an attacker nothing. A refusal is 429 `rate_limited` with
 * Retry-After, the contract's error body on the API and the friendly page elsewhere (sendError),
 * and one audit event per key and window (never one write per refused request: a flood must not
 * turn into a flood of database writes). RATE_LIMITS=off registers none of this.
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { recordSecurityEvent } from '../../app/security-events.js';
import { RateLimitedError } from '../../domain/errors.js';
import type { Config } from '../../config.js';
import { clientInfo } from '../client-info.js';
import { appendHook, type LimitNeed } from '../route-needs.js';

const MINUTE_MS = 60_000;

export interface RateLimitPluginOptions {
  redis: Redis | null;
}

type Limiter = (request: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number; key: string }>;

const ipOf = (request: FastifyRequest) => normalizeIP(request.ip);

type LimitName = Exclude<LimitNeed, 'none'>;

interface LimitRow {
  /** Requests per minute, from config (RATE_LIMIT_*_PER_MINUTE). */
  perMinute: number;
  /** What one count belongs to. */
  key: (request: FastifyRequest) => string;
  /** When it is counted: before the body is parsed, or after authentication (to know the user). */
  stage: 'onRequest' | 'preHandler';
}

/**
 * The rate limits, one row each (issue 12 item 3: the numbers have one home, config, and this is
 * the one table that uses them). `global` counts every request but those of `limit: 'none'` routes;
 * a route's `config.limit` (route-needs.ts) adds its row on top.
 */
export function limitTable(config: Config): Record<LimitName, LimitRow> {
  return {
    global: { perMinute: config.rateLimitGlobalPerMinute, key: (request) => `ip:${ipOf(request)}`, stage: 'onRequest' },
    auth: { perMinute: config.rateLimitAuthPerMinute, key: (request) => `auth:${ipOf(request)}`, stage: 'onRequest' },
    money: {
      perMinute: config.rateLimitMoneyPerMinute,
      key: (request) => {
        const userId = userIdOf(request);
        return userId ? `money:user:${userId}` : `money:ip:${ipOf(request)}`;
      },
      stage: 'preHandler',
    },
  };
}

/** The signed-in user behind a request: the API principal, or the web session if one is set. */
function userIdOf(request: FastifyRequest): string | null {
  const r = request as FastifyRequest & { principal?: { userId: string } | null; session?: { userId?: string } | null };
  return r.principal?.userId ?? r.session?.userId ?? null;
}

export default fp(
  async function rateLimits(app: FastifyInstance, options: RateLimitPluginOptions) {
    const config = app.ctx.config;
    if (!config.rateLimits) return;

    // One audit event per limiter key and window, remembered for a bounded number of keys.
    const audited = new Map<string, number>();
    async function audit(request: FastifyRequest, limit: string, windowSeconds: number, key: string): Promise<void> {
      const nowMs = Date.now();
      const last = audited.get(key);
      if (last !== undefined && nowMs - last < windowSeconds * 1000) return;
      audited.set(key, nowMs);
      if (audited.size > 10_000) audited.delete(audited.keys().next().value as string);
      try {
        await recordSecurityEvent(app.ctx, {
          type: 'rate_limited',
          userId: userIdOf(request),
          client: clientInfo(request),
          details: { limit, route: request.routeOptions.url ?? null },
        });
      } catch (error) {
        request.log.warn({ err: error }, 'could not record a rate-limit event');
      }
    }

    await app.register(rateLimit, {
      // Limits are attached below as hooks, not per route, so they run before authentication: an
      // unauthenticated flood is counted too, and 404s as well.
      global: false,
      cache: 100_000,
      ...(options.redis ? { redis: options.redis, nameSpace: 'minibank:rl:' } : {}),
      // If Redis stops answering, serve rather than fail every request; the log says so.
      skipOnError: true,
    });

    const enforce = (limiter: Limiter, limit: string) =>
      async function enforceLimit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
        let result: Awaited<ReturnType<Limiter>>;
        try {
          result = await limiter(request);
        } catch (error) {
          request.log.warn({ err: error }, `rate limit store unavailable; ${limit} limit skipped`);
          return;
        }
        if (result.isAllowed || !result.isExceeded) return;
        const retryAfter = Math.max(1, result.ttlInSeconds ?? 60);
        reply.header('retry-after', String(retryAfter));
        await audit(request, limit, 60, `${limit}:${result.key}`);
        throw new RateLimitedError(retryAfter);
      };
    const table = limitTable(config);
    const hooks = Object.fromEntries(
      Object.entries(table).map(([name, row]) => [
        name,
        enforce(app.createRateLimit({ max: row.perMinute, timeWindow: MINUTE_MS, keyGenerator: row.key }), name),
      ]),
    ) as Record<LimitName, ReturnType<typeof enforce>>;

    // The global limit: every request, 404s included, but those of routes that say `limit: 'none'`.
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.limit === 'none') return;
      await hooks.global(request, reply);
    });
    // A route's own limit, after its other hooks of that stage (a money limit after authentication).
    app.addHook('onRoute', (route: RouteOptions) => {
      const limit = route.config?.limit;
      if (limit === 'auth' || limit === 'money') appendHook(route, table[limit].stage, hooks[limit]);
    });
  },
  { name: 'rate-limit', dependencies: ['errors'] },
);
