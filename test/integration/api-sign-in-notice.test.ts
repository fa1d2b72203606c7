/**
 * API sign-ins and the "new sign-in" notice (issue 18 item 6): POST /api/v1/auth/token carries no
 * known-browser cookie, so it notifies only when the user never signed in before from the same IP
 * address and user agent; a repeat from that pair writes no notice, another agent or address does.
 * Both databases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialects, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';

const signIn = (h: Harness, userAgent: string, ip = '203.0.113.7') =>
  h.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    headers: { 'user-agent': userAgent },
    remoteAddress: ip,
    payload: { username: 'alice', password: PASSWORD },
  });

for (const dialect of await dialects()) {
  describe(`API sign-in notices (${dialect})`, () => {
    it('notifies the first API sign-in from an IP address and user agent, not its repeats', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        const newSignIns = async () =>
          (await h.app.ctx.storage.db.selectFrom('notifications').select('kind').where('user_id', '=', alice.userId).execute()).filter(
            (n) => n.kind === 'new_sign_in',
          ).length;
        const start = await newSignIns();
        assert.equal((await signIn(h, 'script/1.0')).statusCode, 200);
        assert.equal(await newSignIns(), start + 1, 'a new pair notifies');
        for (let i = 0; i < 3; i++) assert.equal((await signIn(h, 'script/1.0')).statusCode, 200);
        assert.equal(await newSignIns(), start + 1, 'repeats from the same pair do not');
        assert.equal((await signIn(h, 'script/2.0')).statusCode, 200);
        assert.equal(await newSignIns(), start + 2, 'another user agent notifies');
        assert.equal((await signIn(h, 'script/1.0', '198.51.100.9')).statusCode, 200);
        assert.equal(await newSignIns(), start + 3, 'another address notifies');
      });
    });
  });
}
