/**
 * Issue 11 class 11 (idempotency namespaces): a web form's key and an API client's Idempotency-Key
 * can never collide, whatever the API key's 1 to 255 characters are; each still replays its own
 * first outcome.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiIdempotencyKey, webIdempotencyKey } from '../../src/app/idempotency.js';
import { isDomainError } from '../../src/domain/errors.js';
import { auth, createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';
import { signedIn, type Browser } from '../pages/browser.js';

const FORM_KEY = 'a1b2c3d4-e5f6-4789-9abc-def012345678';

describe('idempotency key namespaces', () => {
  it('stores an API key as sent and a web key under its own prefix, which no API key can carry', () => {
    for (const key of ['k', 'web:abc', `web:${FORM_KEY}`, 'web\tabc', ' web', 'ключ 🔑', 'x'.repeat(255)]) assert.equal(apiIdempotencyKey(key), key);
    assert.equal(webIdempotencyKey(FORM_KEY), `web\n${FORM_KEY}`);
    for (const key of [`web\n${FORM_KEY}`, 'a\nb', 'a\rb', 'a\u0000b', 'a\u001fb', 'a\u007fb', '\u0001']) {
      assert.throws(
        () => apiIdempotencyKey(key),
        (e: unknown) => isDomainError(e) && e.code === 'invalid_request' && e.param === 'Idempotency-Key',
        JSON.stringify(key),
      );
    }
  });
});

for (const dialect of await dialects()) {
  describe(`idempotency namespaces (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    const apiDeposit = (user: TestUser, key: string, amount: number) =>
      h.inject({
        method: 'POST',
        url: '/api/v1/deposits',
        headers: { ...auth(user), 'idempotency-key': key },
        payload: { account_id: user.accountId, amount },
      });

    async function webDeposit(browser: Browser, key: string, amount: string) {
      await browser.get('/deposit');
      return browser.post('/deposit', { amount, idempotency_key: key });
    }

    const storedKeys = async (user: TestUser) =>
      (await h.app.ctx.storage.db.selectFrom('idempotency_keys').select('key').where('user_id', '=', user.userId).execute()).map((r) => r.key).sort();

    it('lets the API use web:<key> after the deposit form used <key> (the issue example), and the other way round', async () => {
      const { browser, user } = await signedIn(h, 'example');
      assert.equal((await webDeposit(browser, FORM_KEY, '1.00')).status, 303);
      const api = await apiDeposit(user, `web:${FORM_KEY}`, 250);
      assert.equal(api.statusCode, 201, api.body);
      assert.equal(api.headers['idempotent-replayed'], undefined, 'a new request, not a replay of the form');
      assert.equal(await h.balance(user.accountId), 350n);

      const other = 'b1b2c3d4-e5f6-4789-9abc-def012345678';
      assert.equal((await apiDeposit(user, `web:${other}`, 7)).statusCode, 201);
      assert.equal((await webDeposit(browser, other, '0.03')).status, 303);
      assert.equal(await h.balance(user.accountId), 360n);
      assert.deepEqual(await storedKeys(user), [`web:${FORM_KEY}`, `web:${other}`, `web\n${FORM_KEY}`, `web\n${other}`].sort());
    });

    it('still replays each namespace on its own: a resubmitted form and a retried API call move nothing more', async () => {
      const { browser, user } = await signedIn(h, 'replays');
      const key = 'c1b2c3d4-e5f6-4789-9abc-def012345678';
      assert.equal((await webDeposit(browser, key, '1.00')).status, 303);
      assert.equal((await apiDeposit(user, `web:${key}`, 5)).statusCode, 201);
      assert.equal((await webDeposit(browser, key, '1.00')).status, 303, 'the form replays its own outcome');
      const retry = await apiDeposit(user, `web:${key}`, 5);
      assert.equal(retry.statusCode, 201);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      const bare = await apiDeposit(user, key, 9);
      assert.equal(bare.statusCode, 201, 'the bare key is a third, separate key');
      assert.equal(bare.headers['idempotent-replayed'], undefined);
      assert.equal(await h.balance(user.accountId), 114n);
    });

    it('never collides, whatever the API key: separators, tabs, spaces, case, Unicode, 255 characters', async () => {
      const { browser, user } = await signedIn(h, 'variants');
      const key = 'd1b2c3d4-e5f6-4789-9abc-def012345678';
      assert.equal((await webDeposit(browser, key, '1.00')).status, 303);
      const apiKeys = [
        key,
        `web:${key}`,
        `WEB:${key}`,
        `web\t${key}`,
        `web ${key}`,
        `web${key}`,
        `web:web:${key}`,
        `:${key}`,
        `web:${key}`.padEnd(255, 'x'),
        '🔑'.repeat(255),
      ];
      let expected = 100n;
      for (const [i, apiKey] of apiKeys.entries()) {
        const res = await apiDeposit(user, apiKey, i + 1);
        assert.equal(res.statusCode, 201, `${JSON.stringify(apiKey)}: ${res.body}`);
        assert.equal(res.headers['idempotent-replayed'], undefined, JSON.stringify(apiKey));
        expected += BigInt(i + 1);
        const again = await apiDeposit(user, apiKey, i + 1);
        assert.equal(again.headers['idempotent-replayed'], 'true', `${JSON.stringify(apiKey)} replays`);
      }
      assert.equal(await h.balance(user.accountId), expected);
      assert.equal((await storedKeys(user)).length, apiKeys.length + 1);
      const tooLong = await apiDeposit(user, 'x'.repeat(256), 1);
      assert.equal(tooLong.statusCode, 400, 'the contract allows 1 to 255 characters');
    });

    it('refuses an API key holding the web separator or another control character, moving nothing', async () => {
      const { browser, user } = await signedIn(h, 'separator');
      const key = 'e1b2c3d4-e5f6-4789-9abc-def012345678';
      assert.equal((await webDeposit(browser, key, '1.00')).status, 303);
      for (const apiKey of [`web\n${key}`, `web\r${key}`, `web\u0000${key}`, `web\u001f${key}`]) {
        const res = await apiDeposit(user, apiKey, 1);
        assert.equal(res.statusCode, 400, JSON.stringify(apiKey));
        assert.deepEqual(res.json().error, {
          code: 'invalid_request',
          message: 'Idempotency-Key cannot contain control characters.',
          param: 'Idempotency-Key',
        });
      }
      assert.equal(await h.balance(user.accountId), 100n);
    });

    it('keeps the transfer form and API transfers apart too, even sent at the same time', async () => {
      const { browser, user } = await signedIn(h, 'sender');
      const payee = await h.user('receiver');
      await h.deposit(user, 10_000);
      await browser.get('/transfer');
      const key = browser.formKey();
      const [web, api] = await Promise.all([
        browser.post('/transfer', { to: payee.accountNumber, amount: '1.00', idempotency_key: key, step: 'confirm' }),
        h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: { ...auth(user), 'idempotency-key': `web:${key}` },
          payload: { from_account_id: user.accountId, to: payee.accountNumber, amount: 200 },
        }),
      ]);
      assert.equal(web.status, 303, web.body.slice(0, 300));
      assert.equal(api.statusCode, 201, api.body);
      assert.equal(await h.balance(payee.accountId), 300n);
      assert.equal(await h.balance(user.accountId), 9_700n);
    });
  });
}
