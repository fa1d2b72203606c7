/**
 * Bearer-token authentication for the JSON API. The API never reads the session cookie, so a
 * browser's ambient credentials cannot drive it (and it needs no CSRF token).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { authenticateToken, type Principal } from '../../app/authenticate-token.js';
import { DomainError } from '../../domain/errors.js';
import { needsBearer, prependHook } from '../route-needs.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
  return match?.[1] ?? null;
}

/** onRequest hook for every authenticated API route (runs before the body is even parsed): sets `request.principal` or answers 401. */
export async function requireApiUser(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = bearerToken(request);
  if (!token || token.length > 4096) {
    reply.header('www-authenticate', 'Bearer realm="minibank"');
    throw new DomainError('unauthenticated', 'Send an access token: Authorization: Bearer <token>.');
  }
  try {
    request.principal = await authenticateToken(request.server.ctx, token);
  } catch (error) {
    reply.header('www-authenticate', 'Bearer realm="minibank", error="invalid_token"');
    throw error;
  }
}

/**
 * For the API scope: every route that needs a bearer token (`config.auth: 'bearer'`, or says
 * nothing: the strict default, route-needs.ts) gets requireApiUser as its first onRequest hook, so
 * a request without a valid token is 401 before its body, query or parameters are even looked at
 * (issue 12 item 3: `GET /accounts/abc/transactions?limit=abc` without a token is 401, not 400).
 */
export const apiAuth = fp(
  async function apiAuth(app: FastifyInstance) {
    app.addHook('onRoute', (route: RouteOptions) => {
      if (needsBearer(route)) prependHook(route, 'onRequest', requireApiUser);
    });
  },
  { name: 'api-auth' },
);

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route used without requireApiUser');
  return request.principal;
}
