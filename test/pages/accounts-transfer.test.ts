/**
 * Issue 14 item 1, the parts finished after the accounts pages: the /transfer form chooses the
 * paying account (a select; the choice travels through the sealed review and the confirm form), so
 * a transfer between one's own accounts works from the pages; "Clear filter" on /transactions keeps
 * the chosen account; and a closed account may be renamed on /accounts (a name moves no money)
 * while it still sends and receives nothing. Every refusal changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, createHarness, dialects, ledgerSnapshot, type Harness, type TestUser } from '../helpers/harness.js';
import { hidden, signedIn, type Browser } from './browser.js';

interface Account {
  id: string;
  name: string;
  status: string;
  number: string;
  currency: string;
}

const text = (body: string) => body.replace(/\u00a0/g, ' ');
const testid = (body: string, id: string) => [...text(body).matchAll(new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);

async function snapshot(h: Harness): Promise<string> {
  const rows = await h.app.ctx.storage.db.selectFrom('accounts').select(['id', 'name', 'closed_at']).orderBy('id').execute();
  return (await ledgerSnapshot(h.app)) + JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

const accountsOf = async (h: Harness, user: TestUser): Promise<Account[]> =>
  (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(user) })).json().accounts as Account[];

/** Opens an account through the /accounts form and returns it as the API shows it. */
async function openAccount(h: Harness, browser: Browser, user: TestUser, name: string, currency = 'USD'): Promise<Account> {
  await browser.get('/accounts');
  const res = await browser.post('/accounts/open', { name, currency });
  assert.equal(res.status, 303);
  const account = (await accountsOf(h, user)).find((a) => a.name === name);
  assert.ok(account, `opened ${name}`);
  return account;
}

/** Posts the transfer form from the form on the last page; answers the review URL (303) or the refusal page. */
async function review(browser: Browser, fields: Record<string, string>) {
  return browser.post('/transfer', { idempotency_key: browser.formKey(), ...fields });
}

for (const dialect of await dialects()) {
  describe(`the transfer form with several accounts (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    it("moves money between one's own accounts from the pages: choose the account, pay the other's number, review says from and to", async () => {
      const { browser, user } = await signedIn(h, 'olive');
      await h.deposit(user, 1000);
      const savings = await openAccount(h, browser, user, 'Savings');

      const form = await browser.get('/transfer');
      assert.match(form.body, /<label for="account">From account<\/label>/);
      assert.match(form.body, new RegExp(`<option value="${user.accountId}" selected>Main \\(USD, •••• ${user.accountNumber.slice(-4)}\\)</option>`));
      assert.match(form.body, new RegExp(`<option value="${savings.id}">Savings \\(USD`));

      const posted = await review(browser, { account: user.accountId, to: savings.number, amount: '3.00', memo: 'to savings' });
      assert.equal(posted.status, 303);
      assert.ok(!decodeURIComponent(posted.location ?? '').includes(user.accountId), 'the account id stays sealed, out of the address');
      const page = await browser.get(posted.location ?? '');
      assert.equal(page.status, 200);
      assert.deepEqual(testid(page.body, 'review-from-name'), ['Main']);
      assert.deepEqual(testid(page.body, 'review-payee'), ['olive']);
      assert.match(page.body, /data-testid="review-payee-own">Your account <strong>Savings<\/strong>/);
      assert.equal(hidden(page.body, 'account'), user.accountId, 'the confirm form posts the chosen account again');

      const sent = await browser.post('/transfer', {
        account: user.accountId,
        to: savings.number,
        amount: '3.00',
        memo: 'to savings',
        idempotency_key: browser.formKey(),
        step: 'confirm',
      });
      assert.equal(sent.status, 303);
      assert.equal(sent.location, '/dashboard');
      assert.match((await browser.get('/dashboard')).body, /data-testid="flash"[^>]*>Moved \$3\.00 from Main to Savings\./);
      assert.deepEqual([await h.balance(user.accountId), await h.balance(savings.id)], [700n, 300n]);

      // And back, starting from Savings' own Send link (the dashboard's ?account=).
      const back = await browser.get(`/transfer?account=${savings.id}`);
      assert.match(back.body, new RegExp(`<option value="${savings.id}" selected>`));
      assert.match(back.body, /data-testid="balance">\$3\.00</);
      const url = (await review(browser, { account: savings.id, to: user.accountNumber, amount: '1.25' })).location ?? '';
      const page2 = await browser.get(url);
      assert.deepEqual(testid(page2.body, 'review-from-name'), ['Savings']);
      assert.match(page2.body, /Your account <strong>Main<\/strong>/);
      const home = await browser.post('/transfer', {
        account: savings.id,
        to: user.accountNumber,
        amount: '1.25',
        idempotency_key: browser.formKey(),
        step: 'confirm',
      });
      assert.equal(home.status, 303);
      assert.equal(home.location, `/dashboard?account=${savings.id}`, "lands on the sending account's dashboard");
      assert.deepEqual([await h.balance(user.accountId), await h.balance(savings.id)], [825n, 175n]);
      // A double click on Send replays the first outcome: nothing moves twice.
      const again = await browser.post('/transfer', {
        account: savings.id,
        to: user.accountNumber,
        amount: '1.25',
        idempotency_key: browser.formKey(),
        step: 'confirm',
      });
      assert.equal(again.status, 303);
      assert.deepEqual([await h.balance(user.accountId), await h.balance(savings.id)], [825n, 175n]);
    });

    it('sends to someone else from the chosen account, not the first one', async () => {
      const { browser, user } = await signedIn(h, 'piet');
      const payee = await h.user('piet-payee');
      const second = await openAccount(h, browser, user, 'Spending');
      await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(user), payload: { account_id: second.id, amount: 500 } });
      await browser.get('/transfer');
      // The first account is empty: only the chosen one can pay.
      const url = (await review(browser, { account: second.id, to: 'piet-payee', amount: '2' })).location ?? '';
      assert.match(url, /^\/transfer\/review\?r=/);
      await browser.get(url);
      const sent = await browser.post('/transfer', { account: second.id, to: 'piet-payee', amount: '2', idempotency_key: browser.formKey(), step: 'confirm' });
      assert.equal(sent.status, 303);
      assert.deepEqual([await h.balance(user.accountId), await h.balance(second.id), await h.balance(payee.accountId)], [0n, 300n, 200n]);
    });

    it("refuses another user's account on the form and at confirm with 404, and moves nothing", async () => {
      const { browser, user } = await signedIn(h, 'quentin');
      const other = await h.user('quentin-other');
      await h.deposit(user, 1000);
      await h.deposit(other, 1000);
      assert.equal((await browser.get(`/transfer?account=${other.accountId}`)).status, 404);
      await browser.get('/transfer');
      const before = await snapshot(h);
      assert.equal((await review(browser, { account: other.accountId, to: user.accountNumber, amount: '1' })).status, 404);
      await browser.get('/transfer');
      const confirm = await browser.post('/transfer', {
        account: other.accountId,
        to: user.accountNumber,
        amount: '1',
        idempotency_key: browser.formKey(),
        step: 'confirm',
      });
      assert.equal(confirm.status, 404);
      assert.equal(await snapshot(h), before);
    });

    it('keeps a closed account out of the select and refuses it when posted (account_closed), moving nothing', async () => {
      const { browser, user } = await signedIn(h, 'rhea');
      await h.deposit(user, 1000);
      const old = await openAccount(h, browser, user, 'Old pot');
      await browser.get('/accounts');
      assert.equal((await browser.post('/accounts/close', { account: old.id })).status, 303);
      const form = await browser.get('/transfer');
      assert.doesNotMatch(form.body, new RegExp(`<option value="${old.id}"`));
      const before = await snapshot(h);
      const refused = await review(browser, { account: old.id, to: user.accountNumber, amount: '1' });
      assert.equal(refused.status, 422);
      assert.match(refused.body, /This account is closed/);
      assert.doesNotMatch(refused.body, /transfer-confirm/);
      await browser.get('/transfer');
      const into = await review(browser, { account: user.accountId, to: old.number, amount: '1' });
      assert.equal(into.status, 422, 'nor does it receive');
      assert.equal(await snapshot(h), before);
    });

    it("refuses paying one's own account in another currency beside the payee (currency_mismatch) and moves nothing", async () => {
      const { browser, user } = await signedIn(h, 'sven');
      await h.deposit(user, 1000);
      const euros = await openAccount(h, browser, user, 'Euros', 'EUR');
      const form = await browser.get(`/transfer?account=${euros.id}`);
      assert.match(form.body, /Amount \(EUR\)/);
      const before = await snapshot(h);
      const refused = await review(browser, { account: user.accountId, to: euros.number, amount: '1' });
      assert.equal(refused.status, 422);
      assert.match(refused.body, /id="to-error"/);
      assert.equal(await snapshot(h), before);
    });

    it('"Clear filter" on the history keeps the chosen account and drops only the date and type', async () => {
      const { browser, user } = await signedIn(h, 'tilde');
      await h.deposit(user, 1000);
      const pot = await openAccount(h, browser, user, 'Pot');
      const filtered = await browser.get(`/transactions?account=${pot.id}&type=deposit&from=2020-01-01`);
      assert.equal(filtered.status, 200);
      assert.match(filtered.body, new RegExp(`id="filter-clear" data-testid="filter-clear"`));
      assert.match(filtered.body, new RegExp(`href="/transactions\\?account=${pot.id}" class="btn btn-quiet" id="filter-clear"`));
      const cleared = await browser.get(`/transactions?account=${pot.id}`);
      assert.match(cleared.body, /data-testid="balance">\$0\.00</, "still the pot's history");
      assert.doesNotMatch(cleared.body, /id="filter-clear"/, 'nothing left to clear');
      const main = await browser.get('/transactions?type=deposit');
      assert.match(main.body, /href="\/transactions" class="btn btn-quiet" id="filter-clear"/, 'no account chosen: the plain history');
      const bad = await browser.get(`/transactions.csv?account=${pot.id}&from=nope`);
      assert.equal(bad.status, 400);
      assert.match(bad.body, new RegExp(`href="/transactions\\?account=${pot.id}" class="btn btn-quiet" id="filter-clear"`));
    });

    it('renames a closed account on /accounts (a name moves no money), and it still sends and receives nothing', async () => {
      const { browser, user } = await signedIn(h, 'ursel');
      await h.deposit(user, 1000);
      const old = await openAccount(h, browser, user, 'Holiday');
      await browser.get('/accounts');
      assert.equal((await browser.post('/accounts/close', { account: old.id })).status, 303);
      const page = await browser.get('/accounts');
      assert.match(page.body, new RegExp(`id="rename-${old.id}"`), 'the closed account keeps its rename form');
      const ledger = await ledgerSnapshot(h.app);
      const renamed = await browser.post('/accounts/rename', { account: old.id, name: 'Holiday 2025 (done)' });
      assert.equal(renamed.status, 303);
      assert.match((await browser.get('/accounts')).body, /Renamed to Holiday 2025 \(done\)\./);
      const after = (await accountsOf(h, user)).find((a) => a.id === old.id);
      assert.deepEqual([after?.name, after?.status], ['Holiday 2025 (done)', 'closed']);
      assert.equal(await ledgerSnapshot(h.app), ledger, 'renaming moved nothing');
      const before = await snapshot(h);
      await browser.get(`/deposit?account=${old.id}`);
      const deposit = await browser.post('/deposit', { account: old.id, amount: '1.00', idempotency_key: browser.formKey() });
      assert.equal(deposit.status, 422);
      assert.match(deposit.body, /This account is closed/);
      assert.equal(await snapshot(h), before);
    });
  });
}
