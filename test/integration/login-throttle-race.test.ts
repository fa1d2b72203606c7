/**
 * Issue 11 class 2: the login throttle's check-then-act. An attempt is counted (reserved) before its
 * slow hash, atomically with the wait check, so however many guesses arrive together at most
 * LOGIN_FREE_FAILURES are verified before the wait starts. Verifications are counted by wrapping
 * ctx.passwords.verify; no timing is asserted.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { FailureCounter } from '../../src/app/login-throttle.js';
import { memoryFailureCounter, redisFailureCounter } from '../../src/services/failure-counters.js';
import { checkCredentials, issueDeviceToken } from '../../src/app/sign-in.js';
import { createHarness, dialects, PASSWORD, type Harness, closingAfter } from '../helpers/harness.js';
import { redisAvailable, TEST_REDIS_URL } from '../helpers/redis.js';

const FREE = 3;
const AT_ONCE = 40;
const policy = { freeFailures: FREE, maxLockMs: 60_000 };
const hasRedis = await redisAvailable(TEST_REDIS_URL, 'the Redis login-throttle race tests');

/** Counts the password verifications the app runs from now on. */
function countVerifications(h: Harness): { readonly count: number } {
  const passwords = h.app.ctx.passwords;
  const original = passwords.verify;
  const counter = { count: 0 };
  passwords.verify = (hashed, password) => {
    counter.count++;
    return original(hashed, password);
  };
  return counter;
}

const login = (h: Harness, username: string, password: string) => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username, password } });
/** A fresh username per run: the Redis counters outlive the test app. */
const uniqueName = (base: string) => `${base}${randomUUID().replace(/-/g, '').slice(0, 10)}`;

async function storm(h: Harness, username: string, passwordOf: (i: number) => string) {
  return Promise.all(Array.from({ length: AT_ONCE }, (_, i) => login(h, username, passwordOf(i))));
}

describe('failure counters reserve atomically', () => {
  const counters: [string, () => Promise<{ counter: FailureCounter; close(): Promise<void> }>][] = [
    ['memory', async () => ({ counter: memoryFailureCounter(), close: async () => {} })],
  ];
  if (hasRedis) {
    counters.push([
      'redis',
      async () => {
        const redis = new Redis(TEST_REDIS_URL);
        const prefix = `minibank:test:${randomUUID()}:`;
        return {
          counter: redisFailureCounter(redis, prefix),
          close: async () => {
            const keys = await redis.keys(`${prefix}*`);
            if (keys.length > 0) await redis.del(...keys);
            redis.disconnect();
          },
        };
      },
    ]);
  }
  for (const [name, make] of counters) {
    it(`${name}: of ${AT_ONCE} reservations at once exactly LOGIN_FREE_FAILURES go ahead, and a clear starts again`, async () => {
      const { counter, close } = await make();
      try {
        const now = 1_800_000_000_000;
        const waits = await Promise.all(Array.from({ length: AT_ONCE }, () => counter.reserve('u:alice', now, 60_000, policy)));
        assert.equal(waits.filter((w) => w === 0).length, FREE);
        assert.ok(
          waits.filter((w) => w > 0).every((w) => w === 1000),
          'the rest wait one second',
        );
        assert.deepEqual(await counter.read('u:alice'), { failures: FREE, lastFailureMs: now }, 'refused tries are not counted');
        assert.equal(await counter.reserve('u:alice', now + 1000, 60_000, policy), 0, 'the wait ends');
        assert.equal(await counter.reserve('u:bob', now, 60_000, policy), 0, 'other keys are untouched');
        await counter.clear('u:alice');
        assert.equal(await counter.read('u:alice'), null);
      } finally {
        await close();
      }
    });
  }
});

for (const dialect of await dialects()) {
  const backends = hasRedis ? ['memory', 'redis'] : ['memory'];
  for (const backend of backends) {
    describe(`login throttle under concurrency (${dialect}, ${backend} counter)`, () => {
      // A clock that does not move: whatever the machine's speed, a wait that started has not passed.
      const make = (clock = { nowMs: () => 1_800_000_000_000 }) =>
        createHarness(dialect, {
          clock,
          config: {
            rateLimits: true,
            rateLimitAuthPerMinute: 10_000,
            loginFreeFailures: FREE,
            loginMaxLockSeconds: 60,
            ...(backend === 'redis' ? { redisUrl: TEST_REDIS_URL } : {}),
          },
        });

      it(`verifies at most LOGIN_FREE_FAILURES of ${AT_ONCE} wrong passwords sent at once for one username (the issue example)`, async () => {
        await closingAfter(await make(), async (h) => {
          const name = uniqueName('alice');
          await h.user(name);
          const verified = countVerifications(h);
          const answers = await storm(h, name, (i) => `wrong password number ${i}`);
          const statuses = answers.map((r) => r.statusCode);
          assert.ok(verified.count >= 1 && verified.count <= FREE, `verified ${verified.count}`);
          assert.equal(statuses.filter((s) => s === 401).length, verified.count, 'each verified guess failed');
          assert.equal(statuses.filter((s) => s === 429).length, AT_ONCE - verified.count, 'every other guess waits');
          assert.equal((await login(h, name, PASSWORD)).statusCode, 429, 'the right password waits too');
        });
      });

      it('does the same for a username that does not exist', async () => {
        await closingAfter(await make(), async (h) => {
          const verified = countVerifications(h);
          const answers = await storm(h, uniqueName('ghost'), (i) => `wrong password number ${i}`);
          assert.ok(verified.count >= 1 && verified.count <= FREE, `verified ${verified.count}`);
          assert.equal(answers.filter((r) => r.statusCode === 429).length, AT_ONCE - verified.count);
        });
      });

      it('counts a known device on its own key, with the same bound', async () => {
        await closingAfter(await make(), async (h) => {
          const name = uniqueName('carol');
          await h.user(name);
          const device = await issueDeviceToken(h.app.ctx, name);
          assert.ok(device);
          const verified = countVerifications(h);
          const client = { ip: '203.0.113.9', userAgent: 'stolen device' };
          const outcomes = await Promise.allSettled(
            Array.from({ length: AT_ONCE }, (_, i) =>
              checkCredentials(h.app.ctx, { username: name, password: `guess ${i}` }, { client, deviceToken: device, audit: true }),
            ),
          );
          const codes = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'ok'));
          assert.ok(verified.count >= 1 && verified.count <= FREE, `verified ${verified.count}`);
          assert.equal(codes.filter((c) => c === 'unauthenticated').length, verified.count);
          assert.equal(codes.filter((c) => c === 'rate_limited').length, AT_ONCE - verified.count);
          assert.equal((await login(h, name, PASSWORD)).statusCode, 200, 'the username itself was not charged');
        });
      });

      it('with right and wrong passwords mixed, verifies at most LOGIN_FREE_FAILURES per success, and only attempts that got a slot', async () => {
        await closingAfter(await make(), async (h) => {
          const name = uniqueName('dora');
          await h.user(name);
          const verified = countVerifications(h);
          const right = (i: number) => i % 8 === 0;
          const answers = await storm(h, name, (i) => (right(i) ? PASSWORD : `wrong password number ${i}`));
          const successes = answers.filter((r) => r.statusCode === 200).length;
          answers.forEach((r, i) => assert.ok(right(i) ? [200, 429].includes(r.statusCode) : [401, 429].includes(r.statusCode), `${i}: ${r.statusCode}`));
          assert.ok(verified.count >= 1 && verified.count <= FREE * (1 + successes), `verified ${verified.count} with ${successes} successes`);
          assert.equal(answers.filter((r) => r.statusCode !== 429).length, verified.count, 'only reserved attempts were verified');
        });
      });
    });
  }
}
