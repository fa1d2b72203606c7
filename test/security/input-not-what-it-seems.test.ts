/**
 * Issue 11 class 8 (passwords aside): input that is not what it seems. Ill-formed Unicode in any
 * text field (JSON body, query string, form) is 400 `invalid_request` naming the field; a JSON body
 * that repeats a key is 400; a typed amount whose grouping is not three digits per group is refused
 * as ambiguous. Valid astral characters (emoji) are stored and listed exactly, on both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';
import { Browser, signedIn } from '../pages/browser.js';
import { assertError, unchanged } from './attack-kit.js';

/** The message shown beside the amount field (after its visually hidden "Error:" prefix). */
const amountError = (body: string) => /id="amount-error">(?:<span[^>]*>[^<]*<\/span>)?([^<]*)</.exec(body)?.[1] ?? '';
const cookieOf = (browser: Browser) => [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ');

for (const dialect of await dialects()) {
  describe(`input that is not what it seems (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    before(async () => {
      h = await createHarness(dialect);
      alice = await h.user('alice');
      await h.user('bob');
      await h.deposit(alice, 10_000);
    });
    after(async () => h.close());

    const post = (url: string, payload: string | Buffer, user: TestUser | null = alice) =>
      h.inject({ method: 'POST', url, headers: { ...(user ? auth(user) : {}), 'content-type': 'application/json' }, payload });

    it('refuses the memo "ab\\ud800cd" (a lone surrogate) with 400 invalid_request, param memo, and stores nothing', async () => {
      const body = JSON.stringify({ account_id: alice.accountId, amount: 100, memo: 'ab\ud800cd' });
      assert.match(body, /\\ud800/, 'sent as the JSON escape');
      const res = await unchanged(h.app, () => post('/api/v1/deposits', body));
      assertError(res, 400, 'invalid_request');
      assert.equal(res.json().error.param, 'memo');
    });

    it('refuses a lone surrogate in every JSON text field, high or low, anywhere in the string', async () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['/api/v1/deposits', { account_id: alice.accountId, amount: 1, memo: '\udc00' }, 'memo'],
        ['/api/v1/withdrawals', { account_id: alice.accountId, amount: 1, memo: 'rent \ud83d' }, 'memo'],
        ['/api/v1/transfers', { from_account_id: alice.accountId, to: 'bob\ud800', amount: 1 }, 'to'],
        ['/api/v1/transfers', { from_account_id: alice.accountId, to: 'bob', amount: 1, memo: '\ude00\ud83d' }, 'memo'],
        ['/api/v1/deposits', { account_id: `${alice.accountId}\ud800`, amount: 1 }, 'account_id'],
        ['/api/v1/signup', { username: 'new\udfffuser', password: 'a long enough passphrase here' }, 'username'],
        ['/api/v1/auth/token', { username: 'alice', password: 'x\ud800' }, 'password'],
      ];
      for (const [url, payload, param] of cases) {
        const res = await unchanged(h.app, () => post(url, JSON.stringify(payload), url.includes('signup') || url.includes('token') ? null : alice));
        assertError(res, 400, 'invalid_request');
        assert.equal(res.json().error.param, param, `${url} ${param}`);
      }
      const inKey = await unchanged(h.app, () => post('/api/v1/deposits', `{"account_id":"${alice.accountId}","amount":1,"\\ud800":"x"}`));
      assertError(inKey, 400, 'invalid_request');
    });

    it('refuses a JSON body that is not UTF-8 instead of reading it as U+FFFD', async () => {
      const prefix = Buffer.from(`{"account_id":"${alice.accountId}","amount":1,"memo":"ab`);
      for (const bad of [[0xff], [0xed, 0xa0, 0x80], [0xc3], [0xe2, 0x82]]) {
        const res = await unchanged(h.app, () => post('/api/v1/deposits', Buffer.concat([prefix, Buffer.from(bad), Buffer.from('cd"}')])));
        assertError(res, 400, 'invalid_request');
      }
    });

    it('stores and lists a memo of emoji and other astral characters exactly as sent', async () => {
      const memo = '💸 rent 𝄞 ✓ 👩‍👩‍👧 é';
      const res = await post('/api/v1/deposits', JSON.stringify({ account_id: alice.accountId, amount: 5, memo }));
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().transaction.memo, memo);
      const list = await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions?limit=1`, headers: auth(alice) });
      assert.equal(list.json().data[0].memo, memo);
      const row = await h.app.ctx.storage.db.selectFrom('ledger_transactions').select('memo').where('memo', '=', memo).executeTakeFirst();
      assert.equal(row?.memo, memo, 'the database holds the same code points');
    });

    it('refuses a JSON body that repeats a key with 400 invalid_request, whichever value would have won', async () => {
      const id = alice.accountId;
      const bodies: [string, string][] = [
        [`{"account_id":"${id}","amount":1,"amount":100000}`, 'amount'],
        [`{"account_id":"${id}","amount":100000,"amount":1}`, 'amount'],
        [`{"account_id":"${id}","amount":1,"\\u0061mount":2}`, 'amount'],
        [`{"account_id":"${id}","account_id":"${id}","amount":1}`, 'account_id'],
        [`{"account_id":"${id}","amount":1,"memo":"a","memo":null}`, 'memo'],
        [`{ "account_id" : "${id}" , "amount" : 1 , "amount" : 1 }`, 'amount'],
      ];
      for (const [body, param] of bodies) {
        const res = await unchanged(h.app, () => post('/api/v1/deposits', body));
        assertError(res, 400, 'invalid_request');
        assert.equal(res.json().error.param, param, body);
      }
      const signup = await unchanged(h.app, () =>
        post('/api/v1/signup', '{"username":"carol","password":"a long enough passphrase here","username":"mallory"}', null),
      );
      assertError(signup, 400, 'invalid_request');
    });

    it('refuses a query string field that is not UTF-8 once decoded, on the API and on the pages', async () => {
      for (const [query, param] of [
        ['starting_after=%ED%A0%80', 'starting_after'],
        ['limit=%FF', 'limit'],
        ['limit=5&starting_after=a%C3', 'starting_after'],
      ]) {
        const res = await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions?${query}`, headers: auth(alice) });
        assertError(res, 400, 'invalid_request');
        assert.equal(res.json().error.param, param, query);
      }
      const payee = await h.inject({ method: 'GET', url: '/api/v1/me?x=%ED%B0%80', headers: auth(alice) });
      assertError(payee, 400, 'invalid_request');
      const { browser } = await signedIn(h, 'querier');
      for (const url of ['/transactions?from=%ED%A0%80', '/transfer?to=%FF', '/login?next=%E0%A4']) {
        const page = await browser.get(url);
        assert.equal(page.status, 400, url);
        assert.match(page.body, /data-status="400"/, url);
      }
      assert.equal((await browser.get('/transactions?type=deposit&from=2026-01-01')).status, 200, 'a well-formed query still works');
      assert.equal((await browser.get('/transfer?to=%F0%9F%92%B8')).status, 200, 'an emoji in a query is fine');
    });

    it('refuses a form field that is not UTF-8 once decoded, and stores an emoji memo typed in a form exactly', async () => {
      const { browser, user } = await signedIn(h, 'former');
      await browser.get('/deposit');
      for (const memo of ['%ED%A0%80', 'ab%ED%B0%80cd', '%FF', '%C3']) {
        const body = `_csrf=${encodeURIComponent(browser.csrf())}&idempotency_key=${encodeURIComponent(browser.formKey())}&amount=1&memo=${memo}`;
        const res = await unchanged(h.app, () =>
          h.inject({
            method: 'POST',
            url: '/deposit',
            headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(browser) },
            payload: body,
          }),
        );
        assert.equal(res.statusCode, 400, memo);
        assert.match(res.body, /data-status="400"/);
      }
      const memo = 'lunch 🍜 𝄞';
      await browser.get('/deposit');
      const ok = await browser.post('/deposit', { amount: '2.50', memo, idempotency_key: browser.formKey() });
      assert.equal(ok.status, 303);
      const list = await h.inject({ method: 'GET', url: `/api/v1/accounts/${user.accountId}/transactions?limit=1`, headers: auth(user) });
      assert.equal(list.json().data[0].memo, memo);
      assert.match((await browser.get('/transactions')).body, /lunch 🍜 𝄞/);
    });

    it('refuses typed amounts whose grouping is ambiguous, beside the field, and moves nothing', async () => {
      const { browser, user } = await signedIn(h, 'typist');
      await browser.get('/deposit');
      const cases: [string, RegExp][] = [
        ['0,500', /ambiguous/],
        ['1,25', /ambiguous/],
        ['12,34,567', /ambiguous/],
        ['12,5', /use a dot for cents/],
        ['1,5', /use a dot for cents/],
        ['1,2345', /ambiguous/],
        ['01,250.00', /ambiguous/],
        ['1,250,00', /ambiguous/],
        ['1 25', /use a dot for cents/],
      ];
      for (const [amount, message] of cases) {
        const page = await unchanged(h.app, () => browser.post('/deposit', { amount, idempotency_key: browser.formKey() }));
        assert.equal(page.status, 400, amount);
        const error = amountError(page.body);
        assert.match(error, message, `${amount}: ${error}`);
      }
      await browser.get('/deposit');
      assert.equal((await browser.post('/deposit', { amount: '1,250.50', idempotency_key: browser.formKey() })).status, 303);
      await browser.get('/deposit');
      assert.equal((await browser.post('/deposit', { amount: '1250.50', idempotency_key: browser.formKey() })).status, 303);
      await browser.get('/deposit');
      assert.equal((await browser.post('/deposit', { amount: '123,456', idempotency_key: browser.formKey() })).status, 303);
      assert.equal(await h.balance(user.accountId), 125050n * 2n + 12_345_600n);
    });

    it('refuses an ambiguous amount on the transfer form too', async () => {
      const { browser, user } = await signedIn(h, 'sender');
      await h.deposit(user, 100_000);
      await browser.get('/transfer');
      const page = await unchanged(h.app, () => browser.post('/transfer', { to: 'bob', amount: '0,500', idempotency_key: browser.formKey(), step: 'review' }));
      assert.equal(page.status, 400);
      assert.match(amountError(page.body), /ambiguous/);
    });
  });
}
