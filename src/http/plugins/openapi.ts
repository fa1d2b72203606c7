/**
 * The API's reference, generated from the route schemas (issue 12 item 6): an OpenAPI 3.1 document
 * at GET /api/v1/openapi.json and a rendered page at /docs/api (Swagger UI, its assets served from the
 * installed package, never a CDN). @fastify/swagger notes every route as it is registered, so this
 * plugin must be registered before the API routes; the document is built on first request.
 *
 * Each API operation gets its bearer security (when its onRequest hook authenticates) and the
 * contract's error responses (openapi-errors.ts). Pages, probes and the 405 helper routes are not
 * part of the API and are left out. The page's relaxed Content-Security-Policy lives with the other
 * headers, in security-headers.ts (DOCS_PREFIX).
 */
import fs from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { needsBearer } from '../route-needs.js';
import { errorCodesFor, errorResponsesFor, errorSchema } from '../openapi-errors.js';
import { DOCS_PREFIX } from './security-headers.js';

export const API_PREFIX = '/api/v1';
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;

/** src/http/plugins and dist/http/plugins sit at the same depth under the package root. */
const PACKAGE = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const DESCRIPTION = [
  "The minibank JSON API. Amounts are integers in the currency's minor unit (`1250` is 12.50); times are RFC 3339 UTC.",
  'Authenticate with `Authorization: Bearer <access_token>` from `POST /api/v1/auth/token`.',
  'Money movements accept an `Idempotency-Key` header: a retry with the same key and body returns the first answer with `Idempotent-Replayed: true`.',
  'Every error is `{"error": {"code", "message", "param"?}}`; `code` is one of the closed list in the `Error` schema.',
  'More in docs/api.md.',
].join('\n\n');

export default fp(
  async function openapi(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'minibank API', version: PACKAGE.version, description: DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An access token from POST /api/v1/auth/token.' } },
          schemas: { Error: errorSchema() as never },
        },
      },
      transform({ schema, url, route }) {
        if (!url.startsWith(`${API_PREFIX}/`) || (route.config as { methodNotAllowed?: boolean } | undefined)?.methodNotAllowed) {
          return { schema: { ...schema, hide: true }, url };
        }
        const bearer = needsBearer(route);
        const method = [route.method].flat()[0]!;
        const declared = Object.fromEntries(Object.entries((schema?.response ?? {}) as Record<string, unknown>).filter(([status]) => /^[1-3]/.test(status)));
        return {
          url,
          schema: {
            ...schema,
            ...(bearer ? { security: [{ bearer: [] }] } : {}),
            response: { ...declared, ...errorResponsesFor(errorCodesFor({ method, url, bearer, schema })) },
          },
        };
      },
    });

    await app.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      uiConfig: { deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 1 },
      theme: { title: 'minibank API reference' },
    });

    // Public and read-only, like the page that renders it; the global rate limit applies as everywhere.
    app.get(
      OPENAPI_PATH,
      {
        config: { auth: 'public', limit: 'global' },
        schema: { summary: 'This OpenAPI document', response: { 200: { type: 'object', additionalProperties: true } } },
      },
      async () => app.swagger(),
    );
  },
  { name: 'openapi' },
);
