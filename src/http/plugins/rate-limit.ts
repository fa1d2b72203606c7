/**
 * Rate limits, all through @fastify/rate-limit (in memory, or in Redis when REDIS_URL is set so
 * every instance shares one count):
 *
 * - global: RATE_LIMIT_GLOBAL_PER_MINUTE requests per client IP on every route;
 * - authentication: RATE_LIMIT_AUTH_PER_MINUTE attempts per client IP at sign-up, login, token and
 *   password change (on top of the global limit and the per-username throttle in the use case);
 * - money: RATE_LIMIT_MONEY_PER_MINUTE deposits, withdrawals and transfers per user (after auth).
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
import { clientInfo } from '../client-info.js';

const MINUTE_MS = 60_000;

/** POST routes where credentials are tried or accounts created (API and pages). */
export const AUTH_ROUTES = new Set(['/api/v1/signup', '/api/v1/auth/token', '/signup', '/login', '/settings/password']);
/** POST routes that move money (API and pages). */
export const MONEY_ROUTES = new Set(['/api/v1/deposits', '/api/v1/withdrawals', '/api/v1/transfers', '/deposit', '/withdraw', '/transfer']);
/**
 * Probes a load balancer polls; they must never be throttled into "unhealthy". They cannot load the
 * database either way: /healthz does no database work and /readyz shares one check per
 * READY_CACHE_MS (ready-check.ts, issue 11 class 14).
 */
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz']);

export interface RateLimitPluginOptions {
  redis: Redis | null;
}

type Limiter = (request: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number; key: string }>;

const ipOf = (request: FastifyRequest) => normalizeIP(request.ip);

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
        await recordSecurityEvent(app.ctx, { type: 'rate_limited', userId: userIdOf(request), client: clientInfo(request), details: { limit, route: request.routeOptions.url ?? null } });
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

    const globalLimiter: Limiter = app.createRateLimit({ max: config.rateLimitGlobalPerMinute, timeWindow: MINUTE_MS, keyGenerator: (request) => `ip:${ipOf(request)}` });
    const authLimiter: Limiter = app.createRateLimit({ max: config.rateLimitAuthPerMinute, timeWindow: MINUTE_MS, keyGenerator: (request) => `auth:${ipOf(request)}` });
    const moneyLimiter: Limiter = app.createRateLimit({
      max: config.rateLimitMoneyPerMinute,
      timeWindow: MINUTE_MS,
      keyGenerator: (request) => {
        const userId = userIdOf(request);
        return userId ? `money:user:${userId}` : `money:ip:${ipOf(request)}`;
      },
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
    app.addHook('onRequest', async (request, reply) => {
      if (UNLIMITED_PATHS.has(request.url.split('?')[0] ?? '')) return;
      await globalHook(request, reply);
    });
    const globalHook = enforce(globalLimiter, 'global');
    const authHook = enforce(authLimiter, 'auth');
    const moneyHook = enforce(moneyLimiter, 'money');

    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = ([] as string[]).concat(route.method);
      if (!methods.includes('POST')) return;
      // Auth limits run before the body is parsed; money limits after authentication, to know the user.
      if (AUTH_ROUTES.has(route.url)) route.onRequest = [...([] as unknown[]).concat(route.onRequest ?? []), authHook] as RouteOptions['onRequest'];
      if (MONEY_ROUTES.has(route.url)) route.preHandler = [...([] as unknown[]).concat(route.preHandler ?? []), moneyHook] as RouteOptions['preHandler'];
    });
  },
  { name: 'rate-limit', dependencies: ['errors'] },
);
