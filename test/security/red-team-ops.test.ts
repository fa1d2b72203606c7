/**
 * Red team, issue 11 class 14 (operational exposure) and class 4 (a client that chooses its own
 * IP): /metrics reached through a reverse proxy on the same host that sends some other forwarding
 * header than the three the fix looked for, odd spellings of loopback, and a stranger's HEAD or
 * percent-encoded path. No database is involved beyond the app's own start, so SQLite only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, type Harness } from '../helpers/harness.js';

describe('red team: metrics behind proxies and strangers', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness('sqlite');
  });
  after(() => h.close());

  const scrape = (headers: Record<string, string> = {}, remoteAddress = '127.0.0.1', method: 'GET' | 'HEAD' = 'GET', url = '/metrics') =>
    h.inject({ method, url, headers, remoteAddress });

  it('refuses a scrape from loopback that carries any proxy header, not only X-Forwarded-For, Forwarded and X-Real-IP', async () => {
    // A same-host nginx set up only to say the request was HTTPS (X-Forwarded-Proto), a Via, a CDN's
    // client-address header: each shows the peer is a proxy, so the real client is unknown.
    for (const [name, value] of [
      ['via', '1.1 nginx'],
      ['x-forwarded-proto', 'https'],
      ['x-forwarded-host', 'bank.example'],
      ['x-forwarded-port', '443'],
      ['true-client-ip', '203.0.113.9'],
      ['cf-connecting-ip', '203.0.113.9'],
      ['fastly-client-ip', '203.0.113.9'],
      ['x-client-ip', '203.0.113.9'],
      ['x-cluster-client-ip', '203.0.113.9'],
      ['X-Forwarded-For', ''],
    ]) {
      const res = await scrape({ [name!]: value! });
      assert.equal(res.statusCode, 403, `${name}: ${res.statusCode}`);
      assert.doesNotMatch(res.body, /minibank_/, name);
    }
  });

  it('serves every spelling of loopback and nothing else', async () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      assert.equal((await scrape({}, address)).statusCode, 200, address);
    }
    for (const address of ['10.0.0.1', '::', '0.0.0.0', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1']) {
      const res = await scrape({}, address);
      assert.equal(res.statusCode, 403, address);
      assert.doesNotMatch(res.body, /minibank_/, address);
    }
  });

  it('refuses a stranger on HEAD, with a query string and on a percent-encoded path', async () => {
    for (const [method, url] of [
      ['HEAD', '/metrics'],
      ['GET', '/metrics?format=prometheus'],
      ['GET', '/%6detrics'],
      ['GET', '/metrics/'],
    ] as const) {
      const res = await scrape({}, '203.0.113.9', method, url);
      assert.ok(res.statusCode === 403 || res.statusCode === 404, `${method} ${url}: ${res.statusCode}`);
      assert.doesNotMatch(res.body, /minibank_/, url);
    }
  });
});
