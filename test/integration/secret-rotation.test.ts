import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { auth, createHarness, dialects, TEST_SECRET } from '../helpers/harness.js';

const NEW_SECRET = 'the-rotated-signing-secret-also-32-bytes-or-more';

describe('SECRET_PREVIOUS setting', () => {
  it('takes a comma-separated list and refuses any secret shorter than 32 bytes', () => {
    assert.deepEqual(loadConfig({ SECRET_PREVIOUS: '' }).secretPrevious, []);
    assert.deepEqual(loadConfig({ SECRET_PREVIOUS: ` ${TEST_SECRET} , ${NEW_SECRET}` }).secretPrevious, [TEST_SECRET, NEW_SECRET]);
    assert.throws(() => loadConfig({ SECRET_PREVIOUS: `${TEST_SECRET},too-short` }), ConfigError);
  });
});

for (const dialect of await dialects()) {
  describe(`signing secret rotation (${dialect})`, () => {
    it('keeps tokens signed with the old secret valid when it is listed in SECRET_PREVIOUS, and signs new ones with the new secret', async () => {
      const h = await createHarness(dialect);
      const rotated = await buildApp({ config: { ...h.config, secret: NEW_SECRET, secretPrevious: [TEST_SECRET] }, storage: h.app.ctx.storage });
      const dropped = await buildApp({ config: { ...h.config, secret: NEW_SECRET, secretPrevious: [] }, storage: h.app.ctx.storage });
      try {
        const alice = await h.user('alice');
        assert.equal((await rotated.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) })).statusCode, 200, 'old token, previous secret listed');
        assert.equal((await dropped.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) })).statusCode, 401, 'old token, previous secret dropped');

        const login = await rotated.inject({
          method: 'POST',
          url: '/api/v1/auth/token',
          payload: { username: 'alice', password: 'a long enough test passphrase' },
        });
        const fresh = { token: login.json().access_token as string };
        const header = JSON.parse(Buffer.from(fresh.token.split('.')[0] ?? '', 'base64url').toString());
        const oldHeader = JSON.parse(Buffer.from(alice.token.split('.')[0] ?? '', 'base64url').toString());
        assert.notEqual(header.kid, oldHeader.kid, 'a new kid names the new key');
        assert.equal((await dropped.inject({ method: 'GET', url: '/api/v1/me', headers: auth(fresh) })).statusCode, 200);
        assert.equal((await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(fresh) })).statusCode, 401, 'the old-secret instance cannot verify it');
      } finally {
        await rotated.close();
        await dropped.close();
        await h.close();
      }
    });
  });
}
