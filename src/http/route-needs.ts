/**
 * What a route needs before its handler runs, declared on the route itself, in its Fastify `config`
 * (issue 12 item 3: a route's needs are part of the route, not lists of paths kept elsewhere):
 *
 *   app.post('/transfers', { config: { auth: 'bearer', limit: 'money' }, ... }, handler)
 *
 * - `auth`: 'bearer' (API token, plugins/api-auth.ts, checked in onRequest: before the body is
 *   parsed or anything validated), 'session' (web session, plugins/session.ts; signed out: sent to
 *   sign in), or 'public'.
 * - `csrf`: page routes that change state (POST...) are checked by plugins/csrf.ts unless they say
 *   `csrf: false`; the API has no CSRF (it never reads cookies).
 * - `limit`: which rate limit on top of the per-IP global one (plugins/rate-limit.ts, numbers in
 *   config): 'auth' (credentials tried), 'money' (per user), 'global' (only the global one) or
 *   'none' (not even that).
 * - `staff`: the staff role the route needs (issue 15; plugins/staff-access.ts): 'support' (support
 *   or admin) or 'admin'. Every /admin and /api/v1/admin route must say one; the check reads the
 *   user's roles and second factor afresh on every request and refuses with 403 `forbidden`.
 *
 * A route that says nothing gets the strict choice: bearer in the API, a session on the pages,
 * CSRF on a page's POST. test/security/route-needs.test.ts walks every registered route and proves
 * each declares its needs and is protected, unless it is on PUBLIC_ROUTES below.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

export type AuthNeed = 'bearer' | 'session' | 'public';
export type LimitNeed = 'auth' | 'money' | 'global' | 'none';
/** A staff role a route can need; 'support' is met by support and admin (issue 15). */
export type StaffNeed = 'support' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthNeed;
    csrf?: boolean;
    limit?: LimitNeed;
    staff?: StaffNeed;
  }
}

/** True when an API route needs a bearer token: it says so, or says nothing (the strict default). */
export function needsBearer(route: Pick<RouteOptions, 'config'>): boolean {
  return (route.config?.auth ?? 'bearer') === 'bearer';
}

/** True for a path of the operators' console or API, where a route must declare `staff` (issue 15). */
export function isStaffPath(url: string): boolean {
  return /^\/(api\/v1\/)?admin(\/|$)/.test(url);
}

/**
 * The routes that are deliberately not fully protected (no authentication, no CSRF check, or no
 * rate limit), keyed `METHOD path` (a GET covers its HEAD; a trailing `*` covers a prefix), with why. The one list of exceptions;
 * the route-needs test fails on a route missing from it and on an entry that names no route.
 * The 405 answers (plugins/method-not-allowed.ts) are not listed: they refuse before anything runs.
 */
export const PUBLIC_ROUTES: Readonly<Record<string, string>> = {
  'GET /healthz': 'load-balancer probe: no auth, never throttled (no database work)',
  'GET /readyz': 'load-balancer probe: no auth, never throttled (one shared database check per READY_CACHE_MS)',
  'GET /metrics': 'for the scraper: guarded by METRICS_ALLOW / METRICS_TOKEN (metrics-access.ts), not by a user',
  'POST /api/v1/signup': 'creates the user; auth rate limit',
  'POST /api/v1/auth/token': 'signs in; auth rate limit and login throttle',
  'GET /': 'home page',
  'GET /index': 'home page',
  'GET /login': 'sign-in form',
  'POST /login': 'signs in (CSRF-checked against login CSRF; auth rate limit)',
  'GET /login/second-factor': 'the second sign-in page: only with a live half-signed-in cookie (issue 13), else back to /login',
  'POST /login/second-factor': 'completes a sign-in with a code (CSRF-checked; auth rate limit and login throttle)',
  'POST /login/second-factor/cancel': 'ends a half-finished sign-in (CSRF-checked; auth rate limit)',
  'POST /login/second-factor/passkey/options':
    "a challenge for the half-signed-in user's passkeys (CSRF-checked; auth rate limit; only with a live half-signed-in cookie)",
  'POST /login/second-factor/passkey':
    'completes a sign-in with a passkey (CSRF-checked; auth rate limit; wrong answers end the half sign-in like wrong codes)',
  'POST /login/passkey/options': 'a sign-in challenge for a passkey (CSRF-checked; auth rate limit; one row per call, swept on expiry)',
  'POST /login/passkey': 'signs in with a passkey (CSRF-checked; auth rate limit)',
  'GET /signup': 'sign-up form',
  'POST /signup': 'creates the user (CSRF-checked; auth rate limit)',
  'POST /logout': 'signing out needs no live session (CSRF-checked)',
  'GET /static/*': 'stylesheet, script, images',
  'GET /api/v1/openapi.json': 'the API reference document (issue 12 item 6)',
  'GET /docs/api*': 'the rendered API reference (Swagger UI) and its assets',
  'GET /api/v1/ledger/head': 'the hash chain head, public so anyone can record it (issue 16 item 1); global rate limit, one indexed read',
  'POST /api/v1/password-reset': 'asks for a reset link (issue 18); auth rate limit per IP, silent per-account throttle, same answer for every account',
  'POST /api/v1/password-reset/confirm': 'sets a new password with a single-use reset link (issue 18); auth rate limit',
  'GET /forgot-password': 'the form to ask for a reset link (issue 18)',
  'POST /forgot-password': 'asks for a reset link (CSRF-checked; auth rate limit; same answer for every account)',
  'GET /forgot-password/sent': 'the one answer page after asking for a reset link',
  'GET /reset-password': "a reset link's page: reads the link, changes nothing (issue 18)",
  'POST /reset-password': 'sets a new password with a reset link (CSRF-checked; auth rate limit)',
  'GET /.well-known/minibank/statement-key': 'public statement keys (JWK Set) for checking signed statements offline (issue 16 item 3)',
};

/** The PUBLIC_ROUTES entry covering `key` (`METHOD path`; an entry ending in `*` covers a prefix), or undefined. */
export function publicRouteEntry(key: string): string | undefined {
  return Object.keys(PUBLIC_ROUTES).find((entry) => entry === key || (entry.endsWith('*') && key.startsWith(entry.slice(0, -1))));
}

/** One registered route as the route-needs test sees it. */
export interface RegisteredRoute {
  methods: string[];
  url: string;
  config: RouteOptions['config'];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, with its config (the route-needs test walks it). */
    registeredRoutes: RegisteredRoute[];
  }
}

/** Notes every route registered from now on (call before any route is registered). */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    // The options object itself: later onRoute hooks (in the route's scope) fill in its hooks.
    routes.push({
      methods: [route.method].flat(),
      url: route.url,
      get config() {
        return route.config;
      },
    });
  });
}

/** Adds `hook` in front of a route's hooks at `stage` (once), so it runs before the route's own. */
export function prependHook<K extends 'onRequest' | 'preValidation' | 'preHandler'>(route: RouteOptions, stage: K, hook: unknown): void {
  const existing = ([] as unknown[]).concat(route[stage] ?? []);
  if (existing.includes(hook)) return;
  route[stage] = [hook, ...existing] as RouteOptions[K];
}

/** Adds `hook` after a route's hooks at `stage`. */
export function appendHook<K extends 'onRequest' | 'preValidation' | 'preHandler'>(route: RouteOptions, stage: K, hook: unknown): void {
  route[stage] = [...([] as unknown[]).concat(route[stage] ?? []), hook] as RouteOptions[K];
}
