/**
 * Issue 12 item 3: a route's needs (authentication, CSRF, rate limit) are part of the route. This
 * walks every registered route and proves each declares them and is protected, unless it is on the
 * one documented list of exceptions (src/http/route-needs.ts PUBLIC_ROUTES); then proves the
 * declarations are enforced: bearer routes answer 401 before looking at a bad query or body, page
 * posts need a CSRF token, signed-in pages send a signed-out visitor to sign in, and every route but
 * the probes meets the global rate limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { isStaffPath, PUBLIC_ROUTES, publicRouteEntry, type RegisteredRoute } from '../../src/http/route-needs.js';
import { dialects, withHarness } from '../helpers/harness.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const AUTH = new Set(['bearer', 'session', 'public']);
const LIMITS = new Set(['auth', 'money', 'global', 'none']);

interface RouteUse {
  key: string;
  method: string;
  url: string;
  config: NonNullable<RegisteredRoute['config']>;
}

/** One entry per route and method (HEAD left out: Fastify serves it from the GET route). */
function routeUses(app: FastifyInstance): RouteUse[] {
  const uses: RouteUse[] = [];
  for (const route of app.registeredRoutes) {
    const config = (route.config ?? {}) as RouteUse['config'] & { methodNotAllowed?: boolean };
    if (config.methodNotAllowed) continue; // The 405 answers: they refuse before anything runs.
    for (const method of route.methods) {
      if (method === 'HEAD') continue;
      uses.push({ key: `${method} ${route.url}`, method, url: route.url, config });
    }
  }
  return uses;
}

/** A concrete URL for a route path: parameters and wildcards filled with something plausible but wrong. */
const concrete = (url: string) => url.replace(/:[A-Za-z_]+/g, 'abc').replace(/\*$/, 'app.css');

const DIALECTS = await dialects();

describe('route needs', () => {
  it('every route declares its auth and limit, and only the documented public routes are less than fully protected', async () => {
    await withHarness('sqlite', {}, async ({ app }) => {
      const uses = routeUses(app);
      assert.ok(uses.length > 20, `only ${uses.length} routes seen`);
      const problems: string[] = [];
      for (const use of uses) {
        const listed = publicRouteEntry(use.key.replace(/^HEAD /, 'GET '));
        const { auth, limit, csrf } = use.config;
        if (!listed && (!AUTH.has(auth ?? '') || !LIMITS.has(limit ?? ''))) problems.push(`${use.key}: declares auth=${auth} limit=${limit}`);
        const isApi = use.url.startsWith('/api/');
        if (isApi && auth === 'session') problems.push(`${use.key}: the API never reads cookies`);
        if (!isApi && auth === 'bearer') problems.push(`${use.key}: a page with a bearer token`);
        const fullyProtected = (auth === 'bearer' || auth === 'session') && limit !== 'none' && (isApi || SAFE.has(use.method) || csrf === true);
        if (!fullyProtected && !listed) problems.push(`${use.key}: not fully protected (auth=${auth} csrf=${csrf} limit=${limit}) and not on PUBLIC_ROUTES`);
        // Issue 15: the operators' console and API say which staff role they need.
        const staff = (use.config as { staff?: string }).staff;
        if (isStaffPath(use.url) && staff !== 'support' && staff !== 'admin') problems.push(`${use.key}: a staff path without staff: 'support' | 'admin'`);
        if (staff !== undefined && !isStaffPath(use.url)) problems.push(`${use.key}: staff: ${staff} outside /admin and /api/v1/admin`);
        // A public page that changes state still needs its CSRF token (login CSRF).
        if (!isApi && !SAFE.has(use.method) && csrf !== true) problems.push(`${use.key}: a page post without csrf: true`);
      }
      const keys = uses.map((u) => u.key);
      for (const entry of Object.keys(PUBLIC_ROUTES)) {
        if (!keys.some((key) => publicRouteEntry(key) === entry)) problems.push(`PUBLIC_ROUTES names no route: ${entry}`);
      }
      assert.deepEqual(problems, []);
    });
  });

  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      it('GET /api/v1/accounts/abc/transactions?limit=abc without a token is 401, not 400 (the issue example)', async () => {
        await withHarness(dialect, {}, async ({ app }) => {
          const res = await app.inject({ method: 'GET', url: '/api/v1/accounts/abc/transactions?limit=abc' });
          assert.equal(res.statusCode, 401);
          assert.equal(res.json().error.code, 'unauthenticated');
          assert.match(String(res.headers['www-authenticate']), /^Bearer/);
        });
      });

      it('every bearer route answers 401 without a token before it looks at a bad query, body or parameter', async () => {
        await withHarness(dialect, {}, async ({ app }) => {
          const bearer = routeUses(app).filter((u) => u.config.auth === 'bearer');
          assert.ok(bearer.length >= 8, `only ${bearer.length} bearer routes`);
          for (const use of bearer) {
            const url = `${concrete(use.url)}?limit=abc&starting_after=%20&to=&unknown=1`;
            const payload = SAFE.has(use.method) ? undefined : '{"amount":"ten","account_id":7,"extra":true}';
            const res = await app.inject({ method: use.method as 'GET', url, payload, headers: payload ? { 'content-type': 'application/json' } : {} });
            assert.equal(res.statusCode, 401, `${use.key}: ${res.statusCode} ${res.body}`);
            assert.equal(res.json().error.code, 'unauthenticated', use.key);
            // A forged token is 401 the same way.
            const forged = await app.inject({
              method: use.method as 'GET',
              url,
              payload,
              headers: { authorization: 'Bearer not.a.token', ...(payload ? { 'content-type': 'application/json' } : {}) },
            });
            assert.equal(forged.statusCode, 401, `${use.key} with a forged token: ${forged.statusCode}`);
          }
        });
      });

      it('every signed-in page sends a signed-out visitor to sign in, and every page post without a CSRF token is 403', async () => {
        await withHarness(dialect, {}, async ({ app }) => {
          const pages = routeUses(app).filter((u) => !u.url.startsWith('/api/'));
          const signedIn = pages.filter((u) => u.config.auth === 'session' && SAFE.has(u.method));
          assert.ok(signedIn.length >= 6, `only ${signedIn.length} signed-in pages`);
          for (const use of signedIn) {
            const res = await app.inject({ method: 'GET', url: concrete(use.url) });
            assert.equal(res.statusCode, 303, `${use.key}: ${res.statusCode}`);
            assert.match(String(res.headers.location), /^\/login/, use.key);
          }
          const posts = pages.filter((u) => u.config.csrf === true);
          assert.ok(posts.length >= 8, `only ${posts.length} page posts`);
          for (const use of posts) {
            const res = await app.inject({
              method: use.method as 'POST',
              url: concrete(use.url),
              payload: 'amount=1&username=x&password=y',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            });
            assert.equal(res.statusCode, 403, `${use.key}: ${res.statusCode}`);
          }
        });
      });

      it('every route but the probes meets the global rate limit', async () => {
        const config = { rateLimits: true, rateLimitGlobalPerMinute: 2, rateLimitAuthPerMinute: 1000, rateLimitMoneyPerMinute: 1000 };
        await withHarness(dialect, { config }, async ({ app }) => {
          const uses = routeUses(app);
          let address = 0;
          for (const use of uses) {
            // A fresh client address per route, so each route's count starts at zero.
            address += 1;
            const remoteAddress = `10.9.${Math.floor(address / 250)}.${(address % 250) + 1}`;
            const statuses: number[] = [];
            for (let i = 0; i < 3; i++) {
              const res = await app.inject({ method: use.method as 'GET', url: concrete(use.url), remoteAddress });
              statuses.push(res.statusCode);
            }
            if (use.config.limit === 'none') assert.ok(!statuses.includes(429), `${use.key} is a probe, never limited: ${statuses.join()}`);
            else assert.equal(statuses[2], 429, `${use.key}: ${statuses.join()}`);
          }
        });
      });
    });
  }
});
