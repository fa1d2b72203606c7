import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, dialects, withHarness } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`smoke (${dialect})`, () => {
    it('signs up, deposits and reads the balance back', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        await h.deposit(alice, 1250);
        const me = await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) });
        assert.equal(me.statusCode, 200);
        assert.equal(me.json().accounts[0].balance, 1250);
      });
    });
  });
}
