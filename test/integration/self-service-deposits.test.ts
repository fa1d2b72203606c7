/**
 * Issue 12 item 9: SELF_SERVICE_DEPOSITS=on|off. Off: the API and the /deposit page refuse with 403
 * `forbidden` and move nothing, and "Add money" is hidden; on (the default): all of it works and the
 * page says where the money comes from. Both settings, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { SELF_SERVICE_DEPOSITS_EXPLAINED } from '../../src/domain/self-service-deposits.js';
import { auth, createHarness, dialects, ledgerSnapshot, type Harness } from '../helpers/harness.js';
import { signedIn } from '../pages/browser.js';

const ADD_MONEY_LINKS = [/id="nav-deposit"/, /id="action-deposit"/, /href="\/deposit"/];

describe('SELF_SERVICE_DEPOSITS setting', () => {
  it('is on by default and reads on and off', () => {
    assert.equal(loadConfig({}).selfServiceDeposits, true);
    assert.equal(loadConfig({ SELF_SERVICE_DEPOSITS: 'off' }).selfServiceDeposits, false);
    assert.equal(loadConfig({ SELF_SERVICE_DEPOSITS: 'on' }).selfServiceDeposits, true);
    assert.throws(() => loadConfig({ SELF_SERVICE_DEPOSITS: 'sometimes' }), /SELF_SERVICE_DEPOSITS must be on or off/);
  });
});

for (const dialect of await dialects()) {
  describe(`self-service deposits off (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect, { config: { selfServiceDeposits: false } });
    });
    after(async () => h.close());

    it('refuses POST /api/v1/deposits with 403 forbidden and moves nothing (the issue example)', async () => {
      const user = await h.user('api-off');
      const before = await ledgerSnapshot(h.app);
      const res = await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(user), payload: { account_id: user.accountId, amount: 1000 } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'forbidden');
      assert.match(res.json().error.message, /self-service deposits are turned off/);
      assert.equal(await h.balance(user.accountId), 0n);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('refuses with an idempotency key too, stores no outcome, and still refuses the retry', async () => {
      const user = await h.user('api-off-key');
      const before = await ledgerSnapshot(h.app);
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await h.inject({
          method: 'POST',
          url: '/api/v1/deposits',
          headers: { ...auth(user), 'idempotency-key': 'k-1' },
          payload: { account_id: user.accountId, amount: 500 },
        });
        assert.equal(res.statusCode, 403);
        assert.equal(res.headers['idempotent-replayed'], undefined);
      }
      assert.equal(await ledgerSnapshot(h.app), before);
      const keys = await h.app.ctx.storage.db.selectFrom('idempotency_keys').selectAll().execute();
      assert.equal(keys.length, 0, 'the refusal comes before the key is claimed');
    });

    it('authenticates first: no token is 401, and a bad body with a token is still 403 (refused before it is read)', async () => {
      const user = await h.user('api-off-order');
      const anonymous = await h.inject({ method: 'POST', url: '/api/v1/deposits', payload: { account_id: user.accountId, amount: 1 } });
      assert.equal(anonymous.statusCode, 401);
      const bad = await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(user), payload: { amount: 'lots' } });
      assert.equal(bad.statusCode, 403);
      assert.equal(bad.json().error.code, 'forbidden');
    });

    it('leaves withdrawals and transfers alone (they answer as usual, not 403)', async () => {
      const a = await h.user('off-payer');
      await h.user('off-payee');
      const withdraw = await h.inject({ method: 'POST', url: '/api/v1/withdrawals', headers: auth(a), payload: { account_id: a.accountId, amount: 100 } });
      assert.equal(withdraw.json().error.code, 'insufficient_funds');
      const transfer = await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(a),
        payload: { from_account_id: a.accountId, to: 'off-payee', amount: 100 },
      });
      assert.equal(transfer.json().error.code, 'insufficient_funds');
    });

    it('answers GET /deposit with the friendly 403 page', async () => {
      const { browser } = await signedIn(h, 'page-off-get');
      const page = await browser.get('/deposit');
      assert.equal(page.status, 403);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.doesNotMatch(page.body, /id="deposit-form"/);
    });

    it('refuses a posted deposit form with 403 and moves nothing', async () => {
      const { browser, user } = await signedIn(h, 'page-off-post');
      await browser.get('/dashboard');
      const before = await ledgerSnapshot(h.app);
      const res = await browser.post('/deposit', { amount: '10.00', idempotency_key: '7b0e7c8e-9a57-4bb4-9a4e-3c9b8f1f0a11' });
      assert.equal(res.status, 403);
      assert.equal(await h.balance(user.accountId), 0n);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('still sends a signed-out visitor of /deposit to sign in', async () => {
      const res = await h.inject({ method: 'GET', url: '/deposit' });
      assert.equal(res.statusCode, 303);
      assert.match(String(res.headers.location), /^\/login\?next=%2Fdeposit/);
    });

    it('hides "Add money" from the navigation and the dashboard', async () => {
      const { browser } = await signedIn(h, 'page-off-nav');
      for (const url of ['/dashboard', '/withdraw', '/transactions', '/settings']) {
        const page = await browser.get(url);
        assert.equal(page.status, 200, url);
        for (const link of ADD_MONEY_LINKS) assert.doesNotMatch(page.body, link, `${url} ${link}`);
        assert.doesNotMatch(page.body, />Add money</, url);
      }
    });
  });

  describe(`self-service deposits on, the default (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    it('deposits through the API', async () => {
      const user = await h.user('api-on');
      const res = await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(user), payload: { account_id: user.accountId, amount: 1000 } });
      assert.equal(res.statusCode, 201);
      assert.equal(await h.balance(user.accountId), 1000n);
    });

    it('says plainly on the deposit page where the money comes from', async () => {
      const { browser } = await signedIn(h, 'page-on-text');
      const page = await browser.get('/deposit');
      assert.equal(page.status, 200);
      assert.ok(page.body.includes(SELF_SERVICE_DEPOSITS_EXPLAINED), 'the explanation is on the page');
      assert.match(SELF_SERVICE_DEPOSITS_EXPLAINED, /from the bank itself/);
      const withdraw = await browser.get('/withdraw');
      assert.ok(!withdraw.body.includes(SELF_SERVICE_DEPOSITS_EXPLAINED), 'only on the deposit page');
    });

    it('deposits through the page and offers "Add money" in the navigation and on the dashboard', async () => {
      const { browser, user } = await signedIn(h, 'page-on-post');
      await browser.get('/deposit');
      const res = await browser.post('/deposit', { amount: '2.50', idempotency_key: browser.formKey() });
      assert.equal(res.status, 303);
      assert.equal(await h.balance(user.accountId), 250n);
      const dashboard = await browser.get('/dashboard');
      for (const link of ADD_MONEY_LINKS) assert.match(dashboard.body, link);
    });
  });
}
