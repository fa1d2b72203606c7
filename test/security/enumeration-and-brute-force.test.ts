/**
 * Finding out who has an account, and guessing passwords. An unknown username and a wrong password
 * get the same status, body and (about) the same time; guessing from one address runs into the
 * per-IP limit, and rotating X-Forwarded-For does not help; behind a trusted proxy, rotating client
 * addresses runs into the per-username throttle instead. No guess ever signs in or changes anything.
 *
 * The timing test is the one timing assertion in the suite, because the security issue demands it:
 * 50 interleaved pairs, medians compared, ratio within 0.8..1.25. argon2id dominates both paths.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, dialects, PASSWORD, type Harness, withHarness } from '../helpers/harness.js';
import { Browser } from '../pages/browser.js';
import { unchanged } from './attack-kit.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const stripIds = (body: string) => body.replace(/"request_id":"[^"]*"/g, '');

for (const dialect of await dialects()) {
  describe(`attack: user enumeration (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
      await h.user('alice');
    });
    after(async () => h.close());

    const tokenTry = (username: string) =>
      h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username, password: 'definitely not the password' } });

    it('answers an unknown username and a wrong password with the same status and body on the API', async () => {
      const [unknown, wrong] = await unchanged(h.app, async () => [await tokenTry('nobody-at-all'), await tokenTry('alice')]);
      assert.equal(unknown.statusCode, 401);
      assert.equal(wrong.statusCode, unknown.statusCode);
      assert.equal(stripIds(wrong.body), stripIds(unknown.body));
      assert.equal(wrong.headers['www-authenticate'], unknown.headers['www-authenticate']);
    });

    it('answers an unknown username and a wrong password with the same status and page on the login form', async () => {
      const attempt = async (username: string) => {
        const browser = new Browser(h.app);
        await browser.get('/login');
        return browser.post('/login', { username, password: 'definitely not the password' });
      };
      const [unknown, wrong] = await unchanged(h.app, async () => [await attempt('nobody-at-all'), await attempt('alice')]);
      assert.equal(wrong.status, unknown.status);
      const normalise = (body: string, name: string) => body.replace(/name="_csrf" value="[^"]*"/g, '').replaceAll(name, 'NAME');
      assert.equal(normalise(wrong.body, 'alice'), normalise(unknown.body, 'nobody-at-all'));
    });

    it(
      'takes about the same time for an unknown username as for a wrong password (median ratio 0.8..1.25 over 50 interleaved tries)',
      { skip: dialect !== 'sqlite' && 'timed once, on SQLite' },
      async () => {
        const time = async (username: string) => {
          const start = process.hrtime.bigint();
          const res = await tokenTry(username);
          assert.equal(res.statusCode, 401);
          return Number(process.hrtime.bigint() - start) / 1e6;
        };
        for (let i = 0; i < 5; i++) await time(i % 2 ? 'alice' : `ghost${i}`); // warm-up
        const unknown: number[] = [];
        const wrong: number[] = [];
        await unchanged(h.app, async () => {
          for (let i = 0; i < 50; i++) {
            // Alternate which kind goes first, so neither always runs on a warmer cache.
            if (i % 2) {
              unknown.push(await time(`ghost-user-${i}`));
              wrong.push(await time('alice'));
            } else {
              wrong.push(await time('alice'));
              unknown.push(await time(`ghost-user-${i}`));
            }
          }
        });
        const ratio = median(unknown) / median(wrong);
        assert.ok(ratio > 0.8 && ratio < 1.25, `median unknown ${median(unknown).toFixed(1)} ms / wrong ${median(wrong).toFixed(1)} ms = ${ratio.toFixed(3)}`);
      },
    );
  });

  describe(`attack: password brute force (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect, { config: { rateLimits: true, rateLimitAuthPerMinute: 5, loginFreeFailures: 5 } });
      // The harness signs up from 127.0.0.1; the attacks come from elsewhere.
      await h.user('alice');
      await h.user('bob');
    });
    after(async () => h.close());

    const guess = (password: string, remoteAddress: string, headers: Record<string, string> = {}, username = 'alice') =>
      h.inject({ method: 'POST', url: '/api/v1/auth/token', remoteAddress, headers, payload: { username, password } });

    it('stops guessing from one address at the per-IP limit, and the right password then does not get through either', async () => {
      const statuses = await unchanged(h.app, async () => {
        const out: number[] = [];
        for (let i = 0; i < 8; i++) out.push((await guess(`guess number ${i} for alice`, '203.0.113.9')).statusCode);
        out.push((await guess(PASSWORD, '203.0.113.9')).statusCode);
        return out;
      });
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429, 429]);
    });

    it('ignores rotating X-Forwarded-For values when no proxy is trusted', async () => {
      const statuses = await unchanged(h.app, async () => {
        const out: number[] = [];
        for (let i = 0; i < 8; i++)
          out.push((await guess(`rotating guess ${i}`, '203.0.113.10', { 'x-forwarded-for': `198.51.100.${i + 1}` }, 'bob')).statusCode);
        return out;
      });
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429], 'the count followed the socket address');
    });
  });

  describe(`attack: distributed brute force behind a trusted proxy (${dialect})`, () => {
    it('runs into the per-username throttle when every guess comes from a new client address', async () => {
      await withHarness(dialect, { config: { rateLimits: true, rateLimitAuthPerMinute: 5, loginFreeFailures: 5, trustProxy: ['127.0.0.1'] } }, async (h) => {
        await h.user('alice');
        const statuses = await unchanged(h.app, async () => {
          const out: number[] = [];
          for (let i = 0; i < 10; i++) {
            const res = await h.inject({
              method: 'POST',
              url: '/api/v1/auth/token',
              headers: { 'x-forwarded-for': `198.51.100.${i + 1}` },
              payload: { username: 'alice', password: `distributed guess ${i}` },
            });
            out.push(res.statusCode);
          }
          return out;
        });
        assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
        assert.ok(
          statuses.slice(5).every((s) => s === 429),
          `after 5 failures every guess waits: ${statuses.join(', ')}`,
        );
      });
    });
  });
}
