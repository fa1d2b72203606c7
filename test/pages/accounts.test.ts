/**
 * Issue 14 item 1 on the pages: open, rename and close accounts from /accounts (CSRF, POST-redirect-
 * GET, refusals beside their form), every account and a total per currency on the dashboard, and the
 * history, CSV and money forms per account. Every refusal changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, createHarness, dialects, ledgerSnapshot, type Harness } from '../helpers/harness.js';
import { signedIn } from './browser.js';

async function snapshot(h: Harness): Promise<string> {
  const rows = await h.app.ctx.storage.db.selectFrom('accounts').select(['id', 'name', 'closed_at']).orderBy('id').execute();
  return (await ledgerSnapshot(h.app)) + JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

const accountsOf = async (h: Harness, token: string) =>
  (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth({ token }) })).json().accounts as {
    id: string;
    name: string;
    status: string;
    number: string;
  }[];

for (const dialect of await dialects()) {
  describe(`accounts pages (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    it('opens, renames and closes an account through the forms, each redirecting with a flash', async () => {
      const { browser, user } = await signedIn(h, 'paula');
      await browser.get('/accounts');
      const opened = await browser.post('/accounts/open', { name: 'Rainy day', currency: 'EUR' });
      assert.equal(opened.status, 303);
      assert.equal(opened.location, '/accounts');
      const page = await browser.get('/accounts');
      assert.match(page.body, /data-testid="flash"[^>]*>Opened Rainy day \(EUR\)\./);
      const pot = (await accountsOf(h, user.token)).find((a) => a.name === 'Rainy day')!;
      assert.equal((await browser.post('/accounts/rename', { account: pot.id, name: 'Sunny day' })).status, 303);
      await browser.get('/accounts');
      assert.equal((await browser.post('/accounts/close', { account: pot.id })).status, 303);
      const after = await browser.get('/accounts');
      assert.match(after.body, new RegExp(`data-account-id="${pot.id}" data-status="closed"`));
      assert.match(after.body, /Closed Sunny day\./);
      const dash = await browser.get('/dashboard');
      assert.match(dash.body, new RegExp(`data-account-id="${pot.id}" data-status="closed"`), 'closed accounts stay visible, marked');
    });

    it('refuses without a CSRF token and changes nothing', async () => {
      const { browser, user } = await signedIn(h, 'quinn');
      await browser.get('/accounts');
      const before = await snapshot(h);
      for (const [url, fields] of [
        ['/accounts/open', { name: 'x' }],
        ['/accounts/rename', { account: user.accountId, name: 'Stolen' }],
        ['/accounts/close', { account: user.accountId }],
      ] as const) {
        assert.equal((await browser.post(url, { ...fields, _csrf: '' })).status, 403);
      }
      assert.equal(await snapshot(h), before);
    });

    it('shows refusals beside their form with their status: a bad name, the last account, money still in it', async () => {
      const { browser, user } = await signedIn(h, 'rosa');
      await browser.get('/accounts');
      const before = await snapshot(h);
      const badName = await browser.post('/accounts/open', { name: 'x'.repeat(41), currency: 'USD' });
      assert.equal(badName.status, 400);
      assert.match(badName.body, /id="new-name-error"/);
      assert.match(badName.body, /id="error-summary"/);
      const last = await browser.post('/accounts/close', { account: user.accountId });
      assert.equal(last.status, 422);
      assert.match(last.body, /data-testid="account-error"[^]*only open account/);
      const renamed = await browser.post('/accounts/rename', { account: user.accountId, name: 'bad\u0007name' });
      assert.equal(renamed.status, 400);
      assert.equal(await snapshot(h), before);
      await browser.post('/accounts/open', { name: 'Second', currency: 'USD' });
      await h.deposit(user, 100);
      await browser.get('/accounts');
      const withMoney = await browser.post('/accounts/close', { account: user.accountId });
      assert.equal(withMoney.status, 422);
      assert.match(withMoney.body, /Move the money out/);
      const notMine = await browser.post('/accounts/close', { account: (await h.user('rosa-other')).accountId });
      assert.equal(notMine.status, 404);
    });

    it('lists every account on the dashboard with a total per currency, and shows the chosen one', async () => {
      const { browser, user } = await signedIn(h, 'sam');
      await h.deposit(user, 1000);
      await browser.get('/accounts');
      await browser.post('/accounts/open', { name: 'Pot', currency: 'USD' });
      await browser.get('/accounts');
      await browser.post('/accounts/open', { name: 'Euros', currency: 'EUR' });
      const pot = (await accountsOf(h, user.token)).find((a) => a.name === 'Pot')!;
      await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(user),
        payload: { from_account_id: user.accountId, to: pot.number, amount: 250 },
      });
      const dash = await browser.get('/dashboard');
      assert.equal([...dash.body.matchAll(/data-testid="account-row"/g)].length, 3);
      assert.match(dash.body, /data-currency="USD">USD: <strong>\$10\.00</);
      assert.match(dash.body, /data-currency="EUR">EUR: <strong>€0\.00</);
      const chosen = await browser.get(`/dashboard?account=${pot.id}`);
      assert.match(chosen.body, /data-testid="chosen-account-name">Pot</);
      assert.match(chosen.body, /data-testid="balance">\$2\.50</);
      assert.equal((await browser.get('/dashboard?account=not-mine')).status, 404);
    });

    it('deposits into the account chosen on the form', async () => {
      const { browser, user } = await signedIn(h, 'tara');
      await browser.get('/accounts');
      await browser.post('/accounts/open', { name: 'Pot', currency: 'USD' });
      const pot = (await accountsOf(h, user.token)).find((a) => a.name === 'Pot')!;
      const form = await browser.get(`/deposit?account=${pot.id}`);
      assert.match(form.body, new RegExp(`<option value="${pot.id}" selected>`));
      const res = await browser.post('/deposit', { account: pot.id, amount: '3.00', idempotency_key: browser.formKey() });
      assert.equal(res.status, 303);
      assert.deepEqual([await h.balance(user.accountId), await h.balance(pot.id)], [0n, 300n]);
    });

    it('shows history and CSV per account with ?account=, and refuses to move money out of a closed one', async () => {
      const { browser, user } = await signedIn(h, 'uma');
      await h.deposit(user, 700);
      await browser.get('/accounts');
      await browser.post('/accounts/open', { name: 'Pot', currency: 'USD' });
      const pot = (await accountsOf(h, user.token)).find((a) => a.name === 'Pot')!;
      await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(user),
        payload: { from_account_id: user.accountId, to: pot.number, amount: 200, memo: 'to pot' },
      });
      const main = await browser.get('/transactions');
      assert.equal([...main.body.matchAll(/data-testid="transaction-row"/g)].length, 2);
      const history = await browser.get(`/transactions?account=${pot.id}`);
      assert.equal([...history.body.matchAll(/data-testid="transaction-row"/g)].length, 1);
      assert.match(history.body, /data-testid="balance">\$2\.00</);
      assert.match(history.body, new RegExp(`href="/transactions.csv\\?account=${pot.id}"`));
      const csv = await browser.get(`/transactions.csv?account=${pot.id}`);
      assert.equal(csv.status, 200);
      const lines = csv.body.trim().split(/\r?\n/);
      assert.equal(lines.length, 2);
      assert.match(lines[1]!, /,transfer,credit,2\.00,2\.00,USD,"uma",\d+,"to pot"$/);
      assert.equal((await browser.get(`/transactions.csv?account=${(await h.user('uma-other')).accountId}`)).status, 404);
      // Empty it and close it; then the withdraw form refuses it and nothing moves.
      await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(user),
        payload: { from_account_id: pot.id, to: user.accountNumber, amount: 200 },
      });
      await browser.get('/accounts');
      assert.equal((await browser.post('/accounts/close', { account: pot.id })).status, 303);
      await browser.get(`/withdraw?account=${pot.id}`);
      const before = await snapshot(h);
      const refused = await browser.post('/withdraw', { account: pot.id, amount: '1.00', idempotency_key: browser.formKey() });
      assert.equal(refused.status, 422);
      assert.match(refused.body, /This account is closed/);
      assert.equal(await snapshot(h), before);
    });
  });
}
