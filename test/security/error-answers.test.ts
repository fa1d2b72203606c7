/**
 * Issue 11 class 7: every error is ours. Whatever path, method or URL a client sends, the answer is
 * the contract's JSON error under /api and the friendly page elsewhere (chosen by the route that
 * matched, or the path when none did), with the security headers, and never a 500 for a client's
 * mistake. A method a path does not have is 405 with `Allow`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { CONTENT_SECURITY_POLICY } from '../../src/http/plugins/security-headers.js';
import { auth, createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';
import { signedIn } from '../pages/browser.js';
import { unchanged } from './attack-kit.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'TRACE' | 'QUERY';

/** Fastify's internals or a stack trace: none of these may ever reach a client. */
const INTERNALS = /Internal Server Error|"statusCode"|Cannot read|TypeError|\bat [\w.<>]+ \(|node_modules|FST_/;

function assertOurs(res: LightMyRequestResponse, kind: 'json' | 'html', label: string): void {
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${label}: a client's mistake is a 4xx, got ${res.statusCode}`);
  assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY, `${label}: CSP`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${label}: nosniff`);
  assert.equal(res.headers['x-frame-options'], 'DENY', `${label}: frame options`);
  assert.doesNotMatch(res.body, INTERNALS, `${label}: no internals`);
  if (kind === 'json') {
    assert.match(String(res.headers['content-type']), /^application\/json/, `${label}: JSON under /api`);
    if (res.body) assert.equal(typeof res.json<{ error: { code: string } }>().error.code, 'string', `${label}: error shape`);
  } else {
    assert.match(String(res.headers['content-type']), /^text\/html/, `${label}: a page outside /api`);
    if (res.body) assert.match(res.body, new RegExp(`data-status="${res.statusCode}"`), `${label}: the friendly error page`);
  }
}

/** A concrete URL for a route path: parameters and wildcards filled with harmless values. */
function concrete(path: string): string {
  return path.replace(/:[A-Za-z_]+/g, 'no-such-id').replace(/\*$/, 'app.css');
}

for (const dialect of await dialects()) {
  describe(`error answers are ours on every path (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    before(async () => {
      h = await createHarness(dialect);
      alice = await h.user('alice');
    });
    after(async () => h.close());

    it('answers GET /static/no-such-file.css with the 404 page, not a 500 with an internal message', async () => {
      const res = await h.inject({ method: 'GET', url: '/static/no-such-file.css' });
      assert.equal(res.statusCode, 404);
      assertOurs(res, 'html', 'missing static file');
      assert.match(res.body, /Page not found/);
    });

    it('answers every static path that is not a file we serve with the same 404, whatever the reason', async () => {
      for (const url of [
        '/static/',
        '/static',
        '/static/.hidden',
        '/static/../config.ts',
        '/static/%2e%2e/package.json',
        '/static/..%2fconfig.ts',
        '/static/%2e%2e%2f%2e%2e%2fpackage.json',
        '/static/app.css%00',
        '/static//etc/passwd',
        '/static/app.css/',
        '/static/%5c..%5cpackage.json',
      ]) {
        const res = await h.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 404, url);
        assertOurs(res, 'html', url);
        const head = await h.inject({ method: 'HEAD', url });
        assert.equal(head.statusCode, 404, `HEAD ${url}`);
        assert.equal(head.body, '', `HEAD ${url} has no body`);
      }
      assert.equal((await h.inject({ method: 'GET', url: '/static/app.css' })).statusCode, 200, 'a real file is still served');
    });

    it('answers 405 with Allow for every method each registered path lacks, and lets every method it has through', async () => {
      const routes = h.app.routeMethods;
      assert.deepEqual([...(routes.get('/api/v1/deposits') ?? [])], ['POST'], 'the route table is the real one');
      assert.ok(routes.size >= 20, `all routes noted (${routes.size})`);
      for (const [path, methods] of routes) {
        const url = concrete(path);
        const allow = [...methods].sort().join(', ');
        for (const method of h.app.supportedMethods as Method[]) {
          const res = await h.inject({ method, url, headers: path.startsWith('/api/') ? auth(alice) : {} });
          if (methods.has(method)) {
            assert.notEqual(res.statusCode, 405, `${method} ${url} is a real route`);
            continue;
          }
          assert.equal(res.statusCode, 405, `${method} ${url}`);
          assert.equal(res.headers.allow, allow, `${method} ${url}: Allow`);
          assertOurs(res, path.startsWith('/api/') ? 'json' : 'html', `${method} ${url}`);
          if (path.startsWith('/api/') && method !== 'HEAD') assert.equal(res.json().error.code, 'method_not_allowed');
        }
      }
    });

    it('refuses a wrong method before reading its body: a PUT with a malformed or foreign body is still 405 and changes nothing', async () => {
      for (const [type, payload] of [
        ['application/json', '{"amount": '],
        ['text/plain', 'hello'],
        ['application/x-www-form-urlencoded', 'amount=1'],
      ]) {
        const res = await unchanged(h.app, () =>
          h.inject({ method: 'PUT', url: '/api/v1/deposits', headers: { ...auth(alice), 'content-type': type! }, payload }),
        );
        assert.equal(res.statusCode, 405, `${type}`);
        assert.equal(res.headers.allow, 'POST');
      }
      const page = await h.inject({ method: 'DELETE', url: '/deposit', headers: { 'content-type': 'application/json' }, payload: '{' });
      assert.equal(page.statusCode, 405);
      assert.equal(page.headers.allow, 'GET, HEAD, POST');
    });

    it('chooses JSON or the page by the route that matched, so a percent-encoded API path still answers JSON', async () => {
      for (const url of ['/%61pi/v1/me', '/api/v1/%6De', '/%61%70%69/v1/accounts/x']) {
        const res = await h.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 401, url);
        assertOurs(res, 'json', url);
      }
      const unmatched = await h.inject({ method: 'GET', url: '/api/v1/%6Eo-such-thing' });
      assert.equal(unmatched.statusCode, 404);
      assertOurs(unmatched, 'json', 'unmatched API path');
    });

    it('answers a table of hostile URLs with our own 4xx, the right shape and the security headers', async () => {
      const table: [Method, string, 'json' | 'html'][] = [
        ['GET', '/%E0%A4%A', 'html'],
        ['GET', '/api/v1/%E0%A4%A', 'json'],
        ['GET', '/api/v1/accounts/%E0%A4%A', 'json'],
        ['GET', '/api/v1/accounts/%ED%A0%80/transactions', 'json'],
        ['GET', '/static/%E0%A4%A', 'html'],
        ['GET', '/%FF', 'html'],
        ['GET', '/%', 'html'],
        ['GET', '/api/v1/accounts/%', 'json'],
        ['HEAD', '/%E0%A4%A', 'html'],
        ['GET', '/%2e%2e/%2e%2e/etc/passwd', 'html'],
        ['GET', '/dashboard%2F', 'html'],
        ['GET', '/api%2Fv1%2Fme', 'json'],
        ['GET', '/API/v1/me', 'html'],
        ['GET', `/api/v1/accounts/${'x'.repeat(5000)}`, 'json'],
        ['GET', `/${'a/'.repeat(500)}`, 'html'],
        ['GET', '/no-such-page?%E0%A4%A=1', 'html'],
        ['HEAD', '/no-such-page', 'html'],
        ['DELETE', '/no-such-page', 'html'],
        ['TRACE', '/', 'html'],
        ['OPTIONS', '/api/v1/me', 'json'],
        ['POST', '/static/app.css', 'html'],
      ];
      for (const [method, url, kind] of table) {
        const res = await h.inject({ method, url });
        assertOurs(res, kind, `${method} ${url.slice(0, 60)}`);
      }
    });

    it('answers a GET that carries a body without a 500, on the API and on the pages', async () => {
      for (const [type, payload] of [
        ['application/json', '{"a":1}'],
        ['application/json', '{'],
        ['text/plain', 'hello'],
        ['application/x-www-form-urlencoded', 'a=1&a=2'],
      ]) {
        const api = await h.inject({ method: 'GET', url: '/api/v1/me', headers: { ...auth(alice), 'content-type': type! }, payload });
        assert.ok(api.statusCode < 500, `GET /api/v1/me with ${type}: ${api.statusCode}`);
        if (api.statusCode >= 400) assertOurs(api, 'json', `GET /api/v1/me with ${type}`);
        const page = await h.inject({ method: 'GET', url: '/login', headers: { 'content-type': type! }, payload });
        assert.ok(page.statusCode < 500, `GET /login with ${type}: ${page.statusCode}`);
        if (page.statusCode >= 400) assertOurs(page, 'html', `GET /login with ${type}`);
      }
    });

    it('shows a signed-in visitor their navigation on a 405 page and a static 404', async () => {
      const { browser } = await signedIn(h, 'wanderer');
      for (const [url, status] of [
        ['/static/missing.png', 404],
        ['/logout', 405],
      ] as const) {
        const page = await browser.get(url);
        assert.equal(page.status, status, url);
        assert.match(page.body, /data-testid="signed-in-user"/, url);
        // The whole navigation, as on every other page (the error page renders through renderPage).
        assert.match(page.body, /href="\/deposit"/, url);
      }
    });
  });

  describe(`rate-limited pages and files are ours too (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect, { config: { rateLimits: true, rateLimitGlobalPerMinute: 2 } });
    });
    after(async () => h.close());

    it('answers every request past the global limit with 429 and Retry-After: the page, a static file, the API', async () => {
      for (let i = 0; i < 2; i++) await h.inject({ method: 'GET', url: '/login' });
      for (const [url, kind] of [
        ['/login', 'html'],
        ['/static/app.css', 'html'],
        ['/static/no-such-file.css', 'html'],
        ['/no-such-page', 'html'],
        ['/api/v1/me', 'json'],
        ['/%61pi/v1/me', 'json'],
      ] as const) {
        const res = await h.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 429, url);
        assert.ok(Number(res.headers['retry-after']) >= 1, `${url}: Retry-After`);
        assertOurs(res, kind, `rate-limited ${url}`);
      }
    });
  });
}
