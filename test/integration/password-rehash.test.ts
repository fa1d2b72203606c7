import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions } from '@node-rs/argon2';
import { buildApp } from '../../src/http/app.js';
import { createHarness, dialects, PASSWORD, withHarness } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`password rehash on login (${dialect})`, () => {
    it('rehashes a stored password with the raised ARGON2_* parameters at the next login, and the password still works', async () => {
      const h = await createHarness(dialect);
      const stronger = await buildApp({
        config: { ...h.config, argon2MemoryKib: h.config.argon2MemoryKib + 1024, argon2Iterations: h.config.argon2Iterations + 1 },
        storage: h.app.ctx.storage,
      });
      try {
        const alice = await h.user('alice');
        const hashOf = async () =>
          (await h.app.ctx.storage.db.selectFrom('users').select('password_hash').where('id', '=', alice.userId).executeTakeFirstOrThrow()).password_hash;
        const before = parseOptions(await hashOf());
        assert.equal(before.memoryCost, h.config.argon2MemoryKib);
        assert.equal(before.timeCost, h.config.argon2Iterations);

        const login = () => stronger.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: PASSWORD } });
        assert.equal((await login()).statusCode, 200);
        const after = parseOptions(await hashOf());
        assert.equal(after.memoryCost, h.config.argon2MemoryKib + 1024);
        assert.equal(after.timeCost, h.config.argon2Iterations + 1);
        assert.equal((await login()).statusCode, 200, 'the rehashed password still signs in');
      } finally {
        await stronger.close();
        await h.close();
      }
    });

    it('does not rehash when the parameters are unchanged', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        const hashOf = async () =>
          (await h.app.ctx.storage.db.selectFrom('users').select('password_hash').where('id', '=', alice.userId).executeTakeFirstOrThrow()).password_hash;
        const first = await hashOf();
        await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: PASSWORD } });
        assert.equal(await hashOf(), first);
      });
    });
  });
}
