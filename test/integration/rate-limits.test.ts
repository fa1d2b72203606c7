import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { loadConfig } from '../../src/config.js';
import { auth, createHarness, dialects, PASSWORD, withHarness } from '../helpers/harness.js';
import { redisAvailable, TEST_REDIS_URL } from '../helpers/redis.js';

/** A random client address, so tests sharing one Redis never share a count. */
const randomIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

/** A failed login from `ip`, each under a fresh username so the per-username throttle stays out of the way. */
const tokenAttempt = (ip: string, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/api/v1/auth/token',
  remoteAddress: ip,
  headers,
  payload: { username: `nobody${Math.floor(Math.random() * 1e9)}`, password: 'wrong password, long enough' },
});

describe('RATE_LIMITS setting', () => {
  it('is on by default and off only when set to off', () => {
    assert.equal(loadConfig({}).rateLimits, true);
    assert.equal(loadConfig({ RATE_LIMITS: 'off' }).rateLimits, false);
  });
});

for (const dialect of await dialects()) {
  describe(`rate limits (${dialect})`, () => {
    it('answers 429 rate_limited with Retry-After after RATE_LIMIT_AUTH_PER_MINUTE token attempts from one IP; other IPs go on', async () => {
      await withHarness(dialect, { config: { rateLimits: true, rateLimitAuthPerMinute: 3 } }, async (h) => {
        const ip = randomIp();
        for (let i = 0; i < 3; i++) assert.equal((await h.inject(tokenAttempt(ip))).statusCode, 401);
        const refused = await h.inject(tokenAttempt(ip));
        assert.equal(refused.statusCode, 429);
        assert.equal(refused.json().error.code, 'rate_limited');
        assert.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60);
        assert.equal((await h.inject(tokenAttempt(randomIp()))).statusCode, 401, 'another address has its own count');
      });
    });

    it('answers a rate-limited page request with the friendly HTML error page, status 429 and Retry-After', async () => {
      await withHarness(dialect, { config: { rateLimits: true, rateLimitAuthPerMinute: 2 } }, async (h) => {
        const ip = randomIp();
        const post = () =>
          h.inject({
            method: 'POST',
            url: '/login',
            remoteAddress: ip,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: 'username=x&password=y',
          });
        await post();
        await post();
        const refused = await post();
        assert.equal(refused.statusCode, 429);
        assert.match(String(refused.headers['content-type']), /^text\/html/);
        assert.ok(Number(refused.headers['retry-after']) >= 1);
        assert.doesNotMatch(refused.body, /"error"/, 'a page, not the API error body');
      });
    });

    it('limits sign-up per IP as tightly as login, and creates no user beyond the limit', async () => {
      await withHarness(dialect, { config: { rateLimits: true, rateLimitAuthPerMinute: 2 } }, async (h) => {
        const ip = randomIp();
        const signup = (n: number) =>
          h.inject({ method: 'POST', url: '/api/v1/signup', remoteAddress: ip, payload: { username: `spammer${n}`, password: PASSWORD } });
        assert.equal((await signup(1)).statusCode, 201);
        assert.equal((await signup(2)).statusCode, 201);
        const refused = await signup(3);
        assert.equal(refused.statusCode, 429);
        const users = await h.app.ctx.storage.db.selectFrom('users').select('username').execute();
        assert.deepEqual(users.map((u) => u.username).sort(), ['spammer1', 'spammer2']);
      });
    });

    it('ignores X-Forwarded-For without TRUST_PROXY: rotating it does not reset the count', async () => {
      await withHarness(dialect, { config: { rateLimits: true, rateLimitAuthPerMinute: 3 } }, async (h) => {
        const ip = randomIp();
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await h.inject(tokenAttempt(ip, { 'x-forwarded-for': randomIp() }))).statusCode);
        assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429]);
      });
    });

    it('with TRUST_PROXY naming the proxy, counts each forwarded client on its own, and ignores the header from anyone else', async () => {
      const proxy = '192.0.2.10';
      await withHarness(dialect, { config: { rateLimits: true, rateLimitAuthPerMinute: 2, trustProxy: [proxy] } }, async (h) => {
        const alice = randomIp();
        for (let i = 0; i < 2; i++) assert.equal((await h.inject(tokenAttempt(proxy, { 'x-forwarded-for': alice }))).statusCode, 401);
        assert.equal((await h.inject(tokenAttempt(proxy, { 'x-forwarded-for': alice }))).statusCode, 429);
        assert.equal((await h.inject(tokenAttempt(proxy, { 'x-forwarded-for': randomIp() }))).statusCode, 401, 'a different client behind the proxy');
        const stranger = randomIp();
        for (let i = 0; i < 2; i++) await h.inject(tokenAttempt(stranger, { 'x-forwarded-for': randomIp() }));
        assert.equal((await h.inject(tokenAttempt(stranger, { 'x-forwarded-for': randomIp() }))).statusCode, 429, 'not a trusted proxy: its header is ignored');
      });
    });

    it('limits money movements per user, so one user at the limit does not block another on the same address', async () => {
      await withHarness(dialect, { config: { rateLimits: true, rateLimitMoneyPerMinute: 2, rateLimitAuthPerMinute: 100 } }, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        const deposit = (u: typeof alice) =>
          h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(u), payload: { account_id: u.accountId, amount: 100 } });
        assert.equal((await deposit(alice)).statusCode, 201);
        assert.equal((await deposit(alice)).statusCode, 201);
        const refused = await deposit(alice);
        assert.equal(refused.statusCode, 429);
        assert.equal(refused.json().error.code, 'rate_limited');
        assert.ok(refused.headers['retry-after']);
        assert.equal(await h.balance(alice.accountId), 200n, 'the refused deposit moved nothing');
        assert.equal((await deposit(bob)).statusCode, 201);
      });
    });

    it('applies the global per-IP limit to every route but never to health probes', async () => {
      await withHarness(dialect, { config: { rateLimits: true, rateLimitGlobalPerMinute: 5 } }, async (h) => {
        const ip = randomIp();
        const statuses: number[] = [];
        for (let i = 0; i < 7; i++) statuses.push((await h.inject({ method: 'GET', url: '/api/v1/me', remoteAddress: ip })).statusCode);
        assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
        const health = await h.inject({ method: 'GET', url: '/healthz', remoteAddress: ip });
        assert.notEqual(health.statusCode, 429);
      });
    });

    it('records one rate_limited audit event per client and window, not one per refused request', async () => {
      await withHarness(dialect, { config: { rateLimits: true, rateLimitAuthPerMinute: 1 } }, async (h) => {
        const ip = randomIp();
        for (let i = 0; i < 10; i++) await h.inject(tokenAttempt(ip));
        const events = await h.app.ctx.storage.db.selectFrom('security_events').selectAll().where('type', '=', 'rate_limited').execute();
        assert.equal(events.length, 1);
        assert.equal(events[0]?.ip, ip);
      });
    });

    it('with RATE_LIMITS off, lets any number of attempts through', async () => {
      await withHarness(dialect, { config: { rateLimits: false, rateLimitAuthPerMinute: 1, rateLimitGlobalPerMinute: 1, loginFreeFailures: 1 } }, async (h) => {
        const ip = randomIp();
        for (let i = 0; i < 8; i++) assert.equal((await h.inject(tokenAttempt(ip))).statusCode, 401);
      });
    });
  });
}

describe('rate limits shared through Redis', () => {
  it('counts across two app instances that share REDIS_URL', async (t) => {
    if (!(await redisAvailable())) return t.skip('no Redis');
    const h = await createHarness('sqlite', { config: { rateLimits: true, rateLimitAuthPerMinute: 4, redisUrl: TEST_REDIS_URL } });
    const second = await buildApp({ config: h.config, storage: h.app.ctx.storage });
    try {
      const ip = randomIp();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? second : h.app).inject(tokenAttempt(ip))).statusCode);
      assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
    } finally {
      await second.close();
      await h.close();
    }
  });

  it('shares the per-username login throttle across instances', async (t) => {
    if (!(await redisAvailable())) return t.skip('no Redis');
    const h = await createHarness('sqlite', { config: { rateLimits: true, rateLimitAuthPerMinute: 1000, loginFreeFailures: 2, redisUrl: TEST_REDIS_URL } });
    const second = await buildApp({ config: h.config, storage: h.app.ctx.storage });
    try {
      const name = `victim${Math.floor(Math.random() * 1e9)}`;
      const attempt = { method: 'POST' as const, url: '/api/v1/auth/token', payload: { username: name, password: 'not the password at all' } };
      assert.equal((await h.app.inject(attempt)).statusCode, 401);
      assert.equal((await second.inject(attempt)).statusCode, 401);
      assert.equal((await h.app.inject(attempt)).statusCode, 429, 'two failures, one on each instance, reached the limit');
    } finally {
      await second.close();
      await h.close();
    }
  });
});
