/**
 * Red team, issue 11 class 7 (error answers that are not ours): `//` paths, encoded slashes under
 * /api, upper-case /API, trailing slashes, very long URLs and query strings, HEAD and OPTIONS, and
 * methods Fastify knows but no route has. Each answer must be ours (JSON under /api, the page
 * elsewhere), carry the security headers and never be a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { auth, createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';

function assertOurs(res: LightMyRequestResponse, kind: 'json' | 'page', label: string) {
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  assert.ok(res.headers['content-security-policy'], `${label}: security headers`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', label);
  const type = String(res.headers['content-type'] ?? '');
  if (kind === 'json') {
    assert.match(type, /^application\/json/, label);
    if (res.body) assert.equal(typeof res.json().error.code, 'string', label);
  } else {
    assert.match(type, /^text\/html/, label);
  }
  assert.doesNotMatch(res.body, /FST_|Error:|at \/|node_modules|stack/i, `${label}: no internals`);
}

for (const dialect of await dialects()) {
  describe(`red team: error answers (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    before(async () => {
      h = await createHarness(dialect);
      alice = await h.user('alice');
    });
    after(() => h.close());

    it('answers odd paths with the right kind of error, never a 500', async () => {
      const cases: [string, string, 'json' | 'page'][] = [
        ['GET', '//', 'page'],
        ['GET', '//api/v1/me', 'page'],
        ['GET', '/api//v1/me', 'json'],
        ['GET', '/api/v1//me', 'json'],
        ['GET', '/api/v1/me/', 'json'],
        ['GET', '/api%2Fv1%2Fme', 'json'],
        ['GET', '/api/v1%2Fme', 'json'],
        ['GET', '/api/v1/accounts/%2F', 'json'],
        ['GET', '/api/v1/accounts/a%2F..%2Fb/transactions', 'json'],
        ['GET', '/api/v1/me;x', 'json'],
        ['GET', '/api/v1/me%00', 'json'],
        ['GET', `/api/v1/accounts/${'a'.repeat(60_000)}`, 'json'],
        ['GET', `/${'x'.repeat(60_000)}`, 'page'],
        ['GET', '/static//etc/passwd', 'page'],
        ['GET', '/static/..%5c..%5cpackage.json', 'page'],
        ['GET', '/static/%c0%ae%c0%ae/package.json', 'page'],
        ['GET', '/healthz?x=%FF', 'page'],
        ['GET', '/readyz/', 'page'],
        ['HEAD', '/api/nope', 'json'],
        ['HEAD', '/nope', 'page'],
        ['OPTIONS', '/api/v1/me', 'json'],
        ['OPTIONS', '/', 'page'],
        ['TRACE', '/api/v1/me', 'json'],
        ['DELETE', '/dashboard', 'page'],
      ];
      for (const [method, url, kind] of cases) {
        const res = await h.inject({ method, url, headers: { ...auth(alice), accept: 'text/html' } });
        assertOurs(res, kind, `${method} ${url.slice(0, 60)}`);
      }
    });

    it('answers a query string of 5,000 repeated or unknown parameters without a 500', async () => {
      const res = await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions?${'limit=1&'.repeat(5000)}`, headers: auth(alice) });
      assertOurs(res, 'json', 'repeated limit');
      const many = await h.inject({
        method: 'GET',
        url: `/api/v1/payees?to=bob&${Array.from({ length: 5000 }, (_, i) => `k${i}=1`).join('&')}`,
        headers: auth(alice),
      });
      assertOurs(many, 'json', 'many unknown parameters');
    });

    it('answers HEAD on a real API route and page like GET without a body, with the security headers', async () => {
      for (const [url, headers] of [
        ['/api/v1/me', auth(alice)],
        ['/', {}],
        ['/login', {}],
      ] as const) {
        const res = await h.inject({ method: 'HEAD', url, headers });
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.body, '', url);
        assert.ok(res.headers['content-security-policy'], url);
      }
    });

    it('answers 405 with Allow to a method Fastify knows but the path lacks (PROPFIND, SEARCH), as for TRACE', async () => {
      for (const method of ['PROPFIND', 'SEARCH', 'MKCOL', 'LOCK']) {
        for (const url of ['/api/v1/me', '/dashboard']) {
          const res = await h.inject({ method, url, headers: auth(alice) });
          assert.equal(res.statusCode, 405, `${method} ${url}: ${res.statusCode}`);
          assert.equal(res.headers.allow, 'GET, HEAD', `${method} ${url}`);
        }
      }
    });
  });
}
