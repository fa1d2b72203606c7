/**
 * A method a path does not have is 405 `method_not_allowed` with an `Allow` header listing the
 * methods it has (issue 11 class 7; RFC 9110 section 15.5.6), instead of the 404 Fastify gives.
 *
 * Every route registered is noted (onRoute); once all are registered, each path gets one more route
 * for the methods it lacks, so the router itself decides what "this path" means (parameters,
 * wildcards, percent-decoding) exactly as it does for the real routes. The refusal is thrown in that
 * route's onRequest hook, before any body is read: a PUT with a huge or malformed body is still 405.
 * Errors go through errors.ts, so the API answers JSON and the pages the friendly page.
 */
import http from 'node:http';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { DomainError } from '../../domain/errors.js';

/** Route path -> the methods registered for it. */
export type RouteMethods = Map<string, Set<string>>;

const MARK = 'methodNotAllowed';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route path and its methods, as registered (tests walk it). */
    routeMethods: RouteMethods;
  }
}

/** Starts noting every route registered from now on; call before any route is registered. */
export function collectRouteMethods(app: FastifyInstance): RouteMethods {
  // The router knows every method Node's parser accepts (PROPFIND, SEARCH, LOCK...), so each of them
  // reaches the 405 table below instead of Fastify's "no route" 404. CONNECT never reaches a router.
  for (const method of http.METHODS) {
    if (method !== 'CONNECT' && !app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  }
  const routes: RouteMethods = new Map();
  app.decorate('routeMethods', routes);
  app.addHook('onRoute', (route) => {
    if ((route.config as Record<string, unknown> | undefined)?.[MARK]) return;
    const methods = routes.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    // Fastify answers HEAD for every GET route (exposeHeadRoutes), whether or not onRoute saw it.
    if (methods.has('GET')) methods.add('HEAD');
    routes.set(route.url, methods);
  });
  return routes;
}

/** The `Allow` header value for a path's methods: sorted, comma-separated. */
export function allowHeader(methods: Iterable<string>): string {
  return [...methods].sort().join(', ');
}

/** Adds the 405 routes; call after every other route is registered. */
export function addMethodNotAllowedRoutes(app: FastifyInstance, routes: RouteMethods): void {
  for (const [url, methods] of routes) {
    // A '/' route inside a prefix is registered twice by Fastify (with and without the trailing slash)
    // but onRoute hears of only one (the Swagger UI page at /docs/api/): ask the router, and note the rest.
    for (const m of app.supportedMethods) if (!methods.has(m) && app.hasRoute({ url, method: m })) methods.add(m);
    const missing = app.supportedMethods.filter((method) => !methods.has(method)) as HTTPMethods[];
    if (missing.length === 0) continue;
    const allow = allowHeader(methods);
    app.route({
      method: missing,
      url,
      // Refused in onRequest before anything else runs: nothing to authenticate, no form to check.
      config: { [MARK]: true, auth: 'public', csrf: false, limit: 'global' },
      exposeHeadRoute: false,
      onRequest: async (request, reply) => {
        reply.header('allow', allow);
        throw new DomainError('method_not_allowed', `${request.method} is not allowed here; this address accepts ${allow}.`);
      },
      handler: async () => undefined,
    });
  }
}
