/**
 * Issue 12 item 6: the whole API in the repository. GET /api/v1/openapi.json is an OpenAPI 3.1
 * document generated from the route schemas, holding every registered API route and method, its
 * bearer security exactly where the route answers 401 without a token, and every error code of the
 * closed list (src/domain/errors.ts) at the status src/http/error-status.ts gives it. /docs/api
 * renders it with assets served from this origin, under a Content-Security-Policy relaxed there only.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { errorCodes, type ErrorCode } from '../../src/domain/errors.js';
import { errorStatus } from '../../src/http/error-status.js';
import { CONTENT_SECURITY_POLICY, DOCS_CONTENT_SECURITY_POLICY } from '../../src/http/plugins/security-headers.js';
import { createHarness, dialects, type Harness } from '../helpers/harness.js';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    { description?: string; content?: Record<string, { schema?: { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } }> }
  >;
  parameters?: unknown[];
}
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme?: string }>;
    schemas: Record<string, { properties: { error: { properties: { code: { enum: string[] } } } } }>;
  };
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Every `$ref` in the document, so each can be proved to point at something. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) k === '$ref' && typeof v === 'string' ? out.push(v) : refs(v, out);
  }
  return out;
}

function errorCodesOf(op: Operation): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [status, response] of Object.entries(op.responses)) {
    const codes = response.content?.['application/json']?.schema?.properties?.error?.properties?.code?.enum;
    if (codes) out.set(status, codes);
  }
  return out;
}

for (const dialect of await dialects()) {
  describe(`OpenAPI document and reference page (${dialect})`, () => {
    let h: Harness;
    let doc: Doc;
    before(async () => {
      h = await createHarness(dialect);
      const res = await h.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      doc = res.json<Doc>();
    });
    after(async () => h.close());

    it('is an OpenAPI 3.1 document: version, info, paths of operations with described responses, resolvable refs', () => {
      assert.match(doc.openapi, /^3\.1\.\d+$/);
      assert.equal(typeof doc.info.title, 'string');
      assert.match(doc.info.version, /^\d+\.\d+\.\d+/);
      assert.ok(Object.keys(doc.paths).length > 0);
      for (const [path, item] of Object.entries(doc.paths)) {
        assert.match(path, /^\/[^\s]*$/, path);
        for (const [method, op] of Object.entries(item)) {
          if (method === 'parameters') continue;
          assert.ok(HTTP_METHODS.includes(method), `${path}: ${method} is not an HTTP method`);
          assert.ok(Object.keys(op.responses).length > 0, `${method} ${path} has responses`);
          for (const [status, response] of Object.entries(op.responses)) {
            assert.match(status, /^([1-5](\d\d|XX)|default)$/, `${method} ${path} ${status}`);
            assert.equal(typeof response.description, 'string', `${method} ${path} ${status} has a description`);
          }
          for (const p of (op.parameters ?? []) as { in: string; name: string; required?: boolean }[]) {
            assert.ok(['query', 'header', 'path', 'cookie'].includes(p.in), `${method} ${path} parameter ${p.name}`);
            if (p.in === 'path') assert.equal(p.required, true, `path parameter ${p.name} is required`);
          }
        }
      }
      for (const ref of refs(doc)) {
        assert.match(ref, /^#\//, ref);
        const target = ref
          .slice(2)
          .split('/')
          .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
        assert.ok(target, `${ref} resolves`);
      }
    });

    it('holds every registered /api/v1 route and method, and nothing that is not one', () => {
      const registered = new Set<string>();
      for (const [url, methods] of h.app.routeMethods) {
        if (!url.startsWith('/api/v1/')) continue;
        for (const m of methods) if (m !== 'HEAD') registered.add(`${m.toLowerCase()} ${toOpenApiPath(url)}`);
      }
      const documented = new Set(
        Object.entries(doc.paths).flatMap(([path, item]) =>
          Object.keys(item)
            .filter((m) => HTTP_METHODS.includes(m))
            .map((m) => `${m} ${path}`),
        ),
      );
      assert.ok(registered.size >= 11, `the API's routes were found (${registered.size})`);
      assert.deepEqual([...documented].sort(), [...registered].sort());
      for (const route of ['post /api/v1/transfers', 'get /api/v1/accounts/{account_id}/transactions', 'get /api/v1/openapi.json'])
        assert.ok(documented.has(route), route);
    });

    it('names every error code of the closed list in the Error schema, and each at its own status on the operations', () => {
      assert.deepEqual(doc.components.schemas.Error!.properties.error.properties.code.enum, [...errorCodes]);
      const seen = new Set<string>();
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          for (const [status, codes] of errorCodesOf(op)) {
            for (const code of codes) {
              assert.equal(String(errorStatus[code as ErrorCode]), status, `${method} ${path}: ${code} documented under ${status}`);
              seen.add(code);
            }
          }
        }
      }
      // csrf_failed belongs to the web forms; the API never answers it (the contract: no CSRF token).
      assert.deepEqual(
        errorCodes.filter((c) => !seen.has(c)),
        ['csrf_failed'],
      );
    });

    it('documents the refusals the issue names on the money routes, with Retry-After on 429', () => {
      const codes = (method: string, path: string) => [...errorCodesOf(doc.paths[path]![method]!).values()].flat();
      assert.ok(codes('post', '/api/v1/transfers').includes('insufficient_funds'));
      assert.ok(codes('post', '/api/v1/transfers').includes('same_account'));
      assert.ok(codes('post', '/api/v1/transfers').includes('idempotency_conflict'));
      assert.ok(codes('post', '/api/v1/deposits').includes('forbidden'), 'SELF_SERVICE_DEPOSITS=off');
      assert.ok(codes('post', '/api/v1/signup').includes('username_taken'));
      assert.ok(codes('get', '/api/v1/accounts/{account_id}').includes('not_found'));
      assert.ok(!codes('get', '/api/v1/me').includes('payload_too_large'), 'a GET has no body to be too large');
      assert.ok((doc.paths['/api/v1/transfers']!.post!.responses['429'] as { headers?: object }).headers, '429 has Retry-After');
    });

    it('declares bearer security exactly on the operations that answer 401 without a token', async () => {
      assert.deepEqual(doc.components.securitySchemes.bearer, {
        type: 'http',
        scheme: 'bearer',
        description: doc.components.securitySchemes.bearer!['description' as 'type'],
      });
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const url = path.replace(/\{[^}]+\}/g, 'abc');
          const res = await h.inject({ method: method.toUpperCase(), url, ...(method === 'get' ? {} : { payload: {} }) });
          const documented = (op.security ?? []).some((s) => 'bearer' in s);
          assert.equal(documented, res.statusCode === 401, `${method} ${path}: answered ${res.statusCode}, bearer documented: ${documented}`);
          if (documented) assert.ok(op.responses['401'], `${method} ${path} documents its 401`);
        }
      }
    });

    it('renders the reference page at /docs/api with every asset it loads served from this origin', async () => {
      for (const url of ['/docs/api', '/docs/api/']) {
        const page = await h.inject({ method: 'GET', url });
        assert.equal(page.statusCode, 200, url);
        assert.match(String(page.headers['content-type']), /^text\/html/);
        assert.equal(page.headers['content-security-policy'], DOCS_CONTENT_SECURITY_POLICY);
        const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
        assert.ok(assets.some((a) => a.endsWith('swagger-ui-bundle.js')) && assets.some((a) => a.endsWith('swagger-ui.css')), 'the page loads Swagger UI');
        for (const asset of assets) {
          assert.doesNotMatch(asset, /^(https?:)?\/\//, `${asset} is served from this origin`);
          const res = await h.inject({ method: 'GET', url: new URL(asset, `http://localhost${url}`).pathname });
          assert.equal(res.statusCode, 200, `${url} -> ${asset}`);
          assert.match(String(res.headers['content-type']), /javascript|css|image/, asset);
        }
      }
      const initializer = await h.inject({ method: 'GET', url: '/docs/api/static/swagger-initializer.js' });
      assert.match(initializer.body, /resolveUrl\('\.\/json'\)/, 'the page reads the generated document');
      const json = await h.inject({ method: 'GET', url: '/docs/api/json' });
      assert.deepEqual(json.json(), doc, 'the page shows the same document as /api/v1/openapi.json');
    });

    it('relaxes the Content-Security-Policy for the /docs/api page and assets only, never for script or an error answer', async () => {
      assert.doesNotMatch(DOCS_CONTENT_SECURITY_POLICY, /script-src|unsafe-eval|\*/);
      for (const url of ['/', '/login', '/api/v1/openapi.json', '/docs/apix', '/docs', '/healthz', '/docs/api/static/no-such-file.js']) {
        const res = await h.inject({ method: 'GET', url });
        assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY, url);
      }
      const wrongMethod = await h.inject({ method: 'POST', url: '/docs/api' });
      assert.equal(wrongMethod.statusCode, 405);
      assert.equal(wrongMethod.headers['content-security-policy'], CONTENT_SECURITY_POLICY, 'an error answer under /docs/api stays strict');
    });
  });
}

describe("the reference page's dependencies (issue 11 class 15)", () => {
  const require = createRequire(import.meta.url);
  // package.json overrides @fastify/static everywhere to the root's fixed version (swagger-ui 5 asks for 9.x).
  it("serves its assets with an @fastify/static outside the advisories' ranges", () => {
    const fromSwaggerUi = createRequire(require.resolve('@fastify/swagger-ui'));
    const version = (JSON.parse(fs.readFileSync(fromSwaggerUi.resolve('@fastify/static/package.json'), 'utf8')) as { version: string }).version;
    const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
    assert.ok(major > 10 || (major === 10 && (minor > 1 || (minor === 1 && patch >= 3))), `@fastify/static ${version} under @fastify/swagger-ui`);
  });
});
