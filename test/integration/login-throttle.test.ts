import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitRemainingMs } from '../../src/app/login-throttle.js';
import { checkCredentials, issueDeviceToken } from '../../src/app/sign-in.js';
import { createHarness, dialects, PASSWORD, type Harness, closingAfter } from '../helpers/harness.js';
import { Browser } from '../pages/browser.js';

const policy = { freeFailures: 5, maxLockMs: 900_000 };

describe('login throttle schedule', () => {
  it('lets the first failures through, then doubles the wait from one second up to the cap', () => {
    const at = (failures: number) => waitRemainingMs({ failures, lastFailureMs: 0 }, 0, policy);
    assert.deepEqual([1, 4].map(at), [0, 0]);
    assert.deepEqual([5, 6, 7, 8].map(at), [1000, 2000, 4000, 8000]);
    assert.equal(at(15), 900_000);
    assert.equal(at(10_000), 900_000, 'never more than the cap, however many failures');
  });

  it('counts the wait from the last failure, so it always ends', () => {
    assert.equal(waitRemainingMs({ failures: 6, lastFailureMs: 10_000 }, 11_500, policy), 500);
    assert.equal(waitRemainingMs({ failures: 6, lastFailureMs: 10_000 }, 12_000, policy), 0);
    assert.equal(waitRemainingMs({ failures: 99, lastFailureMs: 0 }, 900_000, policy), 0);
  });
});

for (const dialect of await dialects()) {
  describe(`login throttle (${dialect})`, () => {
    const clock = { now: 1_800_000_000_000, nowMs: () => clock.now };
    const make = () =>
      createHarness(dialect, { clock, config: { rateLimits: true, rateLimitAuthPerMinute: 1000, loginFreeFailures: 3, loginMaxLockSeconds: 60 } });
    const login = (h: Harness, username: string, password: string) => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username, password } });

    it('after LOGIN_FREE_FAILURES failures the next try waits (429, Retry-After), even with the right password', async () => {
      await closingAfter(await make(), async (h) => {
        await h.user('alice');
        for (let i = 0; i < 3; i++) assert.equal((await login(h, 'alice', 'wrong password attempt')).statusCode, 401);
        const locked = await login(h, 'alice', PASSWORD);
        assert.equal(locked.statusCode, 429);
        assert.equal(locked.json().error.code, 'rate_limited');
        assert.equal(locked.headers['retry-after'], '1');
      });
    });

    it('throttles an unknown username exactly like an existing one: same statuses, bodies and Retry-After', async () => {
      const h = await make();
      try {
        await h.user('alice');
        const run = async (username: string) => {
          const out: string[] = [];
          for (let i = 0; i < 5; i++) {
            const r = await login(h, username, 'wrong password attempt');
            out.push(`${r.statusCode} ${r.headers['retry-after'] ?? '-'} ${r.body}`);
          }
          return out;
        };
        assert.deepEqual(await run('alice'), await run('nosuchuser'));
      } finally {
        await h.close();
      }
    });

    it('never locks for good: the wait grows, stops at the cap, and once it passes the right password signs in', async () => {
      await closingAfter(await make(), async (h) => {
        await h.user('alice');
        const waits: string[] = [];
        for (let i = 0; i < 12; i++) {
          const r = await login(h, 'alice', 'wrong password attempt');
          if (r.statusCode === 429) {
            waits.push(String(r.headers['retry-after']));
            clock.now += Number(r.headers['retry-after']) * 1000;
          }
        }
        assert.deepEqual(waits.slice(0, 4), ['1', '2', '4', '8']);
        assert.ok(
          waits.every((w) => Number(w) <= 60),
          `waits stay under LOGIN_MAX_LOCK_SECONDS: ${waits.join(', ')}`,
        );
        clock.now += 60_000;
        assert.equal((await login(h, 'alice', PASSWORD)).statusCode, 200);
        assert.equal((await login(h, 'alice', 'wrong password attempt')).statusCode, 401, 'success reset the count');
      });
    });

    it('lets the owner in from a known device while an attacker keeps the username locked', async () => {
      await closingAfter(await make(), async (h) => {
        await h.user('alice');
        const device = await issueDeviceToken(h.app.ctx, 'alice');
        assert.ok(device);
        for (let i = 0; i < 4; i++) await login(h, 'alice', 'attacker guess number');
        assert.equal((await login(h, 'alice', PASSWORD)).statusCode, 429, 'the username is locked for everyone else');
        const client = { ip: '203.0.113.5', userAgent: 'owner browser' };
        const user = await checkCredentials(h.app.ctx, { username: 'alice', password: PASSWORD }, { client, deviceToken: device, audit: true });
        assert.equal(user.username, 'alice');
      });
    });

    it('lets the owner sign in on the login page from a browser that signed in before, while the username is locked for everyone else', async () => {
      await closingAfter(await make(), async (h) => {
        await h.user('alice');
        const owner = new Browser(h.app);
        await owner.get('/login');
        assert.equal((await owner.post('/login', { username: 'alice', password: PASSWORD })).status, 303);
        assert.ok(owner.jar.get('device'), 'a known-device cookie was set at login');
        await owner.get('/dashboard');
        await owner.post('/logout', {});
        for (let i = 0; i < 4; i++) await login(h, 'alice', 'attacker guess number');
        const stranger = new Browser(h.app);
        await stranger.get('/login');
        assert.equal((await stranger.post('/login', { username: 'alice', password: PASSWORD })).status, 429, 'a new browser waits');
        await owner.get('/login');
        const back = await owner.post('/login', { username: 'alice', password: PASSWORD });
        assert.equal(back.status, 303, 'the known browser gets in');
      });
    });

    it('does not let a device token for one username past the lock of another', async () => {
      await closingAfter(await make(), async (h) => {
        await h.user('alice');
        await h.user('mallory');
        const malloryDevice = await issueDeviceToken(h.app.ctx, 'mallory');
        for (let i = 0; i < 3; i++) await login(h, 'alice', 'attacker guess number');
        await assert.rejects(
          checkCredentials(h.app.ctx, { username: 'alice', password: PASSWORD }, { client: { ip: null, userAgent: null }, deviceToken: malloryDevice }),
          (e: Error & { code?: string }) => e.code === 'rate_limited',
        );
      });
    });

    it('records failed, throttled and successful logins in the audit trail with IP and user agent, and never the password', async () => {
      await closingAfter(await make(), async (h) => {
        const alice = await h.user('alice');
        for (let i = 0; i < 4; i++) {
          await h.inject({
            method: 'POST',
            url: '/api/v1/auth/token',
            remoteAddress: '198.51.100.7',
            headers: { 'user-agent': 'curl/8' },
            payload: { username: 'alice', password: 'wrong password attempt' },
          });
        }
        const rows = await h.app.ctx.storage.db.selectFrom('security_events').selectAll().where('user_id', '=', alice.userId).orderBy('seq').execute();
        assert.deepEqual(
          rows.map((r) => r.type),
          ['signed_up', 'login_succeeded', 'token_issued', 'login_failed', 'login_failed', 'login_failed', 'login_throttled'],
        );
        const failed = rows.find((r) => r.type === 'login_failed');
        assert.equal(failed?.ip, '198.51.100.7');
        assert.equal(failed?.user_agent, 'curl/8');
        const text = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
        assert.ok(!text.includes('wrong password attempt'));
        assert.ok(!text.includes(PASSWORD));
      });
    });
  });
}
