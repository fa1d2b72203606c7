import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { CONTENT_SECURITY_POLICY, HSTS } from '../../src/http/plugins/security-headers.js';
import { auth, createHarness, withHarness } from '../helpers/harness.js';

const EXPECTED_CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

function assertSecurityHeaders(res: LightMyRequestResponse, what: string): void {
  assert.equal(res.headers['content-security-policy'], EXPECTED_CSP, `${what}: CSP`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(res.headers['referrer-policy'], 'same-origin', `${what}: Referrer-Policy`);
  assert.equal(res.headers['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
  assert.equal(res.headers['x-powered-by'], undefined, `${what}: no X-Powered-By`);
}

// Headers do not depend on the database: SQLite only.
describe('security headers', () => {
  it('uses exactly the CSP the security issue asks for', () => {
    assert.equal(CONTENT_SECURITY_POLICY, EXPECTED_CSP);
  });

  it('puts the headers on every kind of response: API success and error, 404, pages, static files, health and 429', async () => {
    await withHarness('sqlite', { config: { rateLimits: true, rateLimitAuthPerMinute: 2 } }, async (h) => {
      const alice = await h.user('alice');
      const responses: [string, LightMyRequestResponse][] = [
        ['API 200', await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) })],
        ['API 401', await h.inject({ method: 'GET', url: '/api/v1/me' })],
        ['API 404', await h.inject({ method: 'GET', url: '/api/v1/nothing-here' })],
        ['page', await h.inject({ method: 'GET', url: '/login' })],
        ['page 404', await h.inject({ method: 'GET', url: '/no-such-page' })],
        ['static', await h.inject({ method: 'GET', url: '/static/app.css' })],
        ['health', await h.inject({ method: 'GET', url: '/healthz' })],
        ['429', await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: 'x'.repeat(12) } })],
      ];
      assert.equal(responses.at(-1)?.[1].statusCode, 429, 'the auth limit of 2 was used up by the harness sign-up and login');
      for (const [what, res] of responses) assertSecurityHeaders(res, what);
    });
  });

  it('marks API answers and pages Cache-Control: no-store, and leaves static assets cacheable', async () => {
    await withHarness('sqlite', async (h) => {
      const alice = await h.user('alice');
      assert.equal((await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) })).headers['cache-control'], 'no-store');
      assert.equal((await h.inject({ method: 'GET', url: '/login' })).headers['cache-control'], 'no-store');
      assert.equal((await h.inject({ method: 'GET', url: '/no-such-page' })).headers['cache-control'], 'no-store');
      const css = await h.inject({ method: 'GET', url: '/static/app.css' });
      assert.equal(css.statusCode, 200);
      assert.match(String(css.headers['cache-control']), /max-age=\d+/);
    });
  });

  it('sends HSTS only over HTTPS: never on plain HTTP, and X-Forwarded-Proto counts only from a trusted proxy', async () => {
    const plain = await createHarness('sqlite');
    const proxied = await createHarness('sqlite', { config: { trustProxy: ['127.0.0.1'] } });
    try {
      assert.equal((await plain.inject({ method: 'GET', url: '/login' })).headers['strict-transport-security'], undefined);
      const forged = await plain.inject({ method: 'GET', url: '/login', headers: { 'x-forwarded-proto': 'https' } });
      assert.equal(forged.headers['strict-transport-security'], undefined, 'not from a trusted proxy');
      const viaProxy = await proxied.inject({ method: 'GET', url: '/login', headers: { 'x-forwarded-proto': 'https' } });
      assert.equal(viaProxy.headers['strict-transport-security'], HSTS);
      assert.match(HSTS, /max-age=31536000/);
    } finally {
      await plain.close();
      await proxied.close();
    }
  });
});
