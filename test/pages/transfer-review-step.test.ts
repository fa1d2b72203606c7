/**
 * Issue 12 item 8, the money pages a person expects: the transfer's review step is a GET page after
 * a 303 (Back never resubmits a form, and never moves money again), the review checks the balance,
 * `12,5` is told to use a dot for cents on every money form, and the amount hint follows the
 * currency's exponent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, dialects, ledgerSnapshot, type Harness, withHarness } from '../helpers/harness.js';
import { manualClock, MINUTE, signedIn, anotherBrowser } from './browser.js';

const text = (body: string) => body.replace(/\u00a0/g, ' ');
const testid = (body: string, id: string) => [...text(body).matchAll(new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);

for (const dialect of await dialects()) {
  describe(`the transfer review step (${dialect})`, () => {
    let h: Harness;
    const clock = manualClock();
    before(async () => {
      h = await createHarness(dialect, { clock });
    });
    after(async () => h.close());

    it('answers the posted form with 303 to a GET review page, and Back from the result moves nothing again', async () => {
      const { browser, user } = await signedIn(h, 'backpayer');
      const payee = await h.user('backpayee');
      await h.deposit(user, 10_000);
      await browser.get('/transfer');
      const key = browser.formKey();
      const before = await ledgerSnapshot(h.app);
      const posted = await browser.post('/transfer', { to: 'backpayee', amount: '25.00', memo: 'private note', idempotency_key: key });
      assert.equal(posted.status, 303);
      const reviewUrl = posted.location ?? '';
      assert.match(reviewUrl, /^\/transfer\/review\?r=[\w.-]+$/);
      // "25.00" and not "25": the sealed token is random base64url, which holds "25" by chance about one time in ten.
      assert.doesNotMatch(decodeURIComponent(reviewUrl), /backpayee|25\.00|private/, 'the payee, amount and note stay out of the address (and the access log)');
      assert.equal(await ledgerSnapshot(h.app), before, 'the review moves nothing');

      const review = await browser.get(reviewUrl);
      assert.equal(review.status, 200);
      assert.deepEqual(testid(review.body, 'review-payee'), ['backpayee']);
      assert.deepEqual(testid(review.body, 'review-amount'), ['$25.00']);
      assert.deepEqual(testid(review.body, 'review-memo'), ['private note']);
      assert.match(review.body, /id="transfer-confirm-form"/);
      assert.equal(browser.formKey(), key, 'the key travels through the review page');

      const sent = await browser.post('/transfer', { to: 'backpayee', amount: '25.00', memo: 'private note', idempotency_key: key, step: 'confirm' });
      assert.equal(sent.status, 303);
      assert.equal(sent.location, '/dashboard');
      assert.equal(await h.balance(payee.accountId), 2500n);

      // Back from the dashboard is a GET of the review page: no form is resubmitted, nothing moves.
      const back = await browser.get(reviewUrl);
      assert.equal(back.status, 200);
      assert.equal(await h.balance(payee.accountId), 2500n);
      // Send pressed again on that page replays the first outcome.
      const again = await browser.post('/transfer', {
        to: 'backpayee',
        amount: '25.00',
        memo: 'private note',
        idempotency_key: browser.formKey(),
        step: 'confirm',
      });
      assert.equal(again.status, 303);
      assert.equal(await h.balance(user.accountId), 7500n);
      assert.equal(await h.balance(payee.accountId), 2500n);
    });

    it('shows a review only to the session that made it, unaltered and for a limited time', async () => {
      const { browser, user } = await signedIn(h, 'sealer');
      await h.user('sealpayee');
      await h.deposit(user, 1000);
      await browser.get('/transfer');
      const url = (await browser.post('/transfer', { to: 'sealpayee', amount: '1', idempotency_key: browser.formKey() })).location ?? '';
      assert.equal((await browser.get(url)).status, 200);

      const token = url.slice(url.indexOf('=') + 1);
      const flipped = token.slice(0, -3) + (token.at(-3) === 'A' ? 'B' : 'A') + token.slice(-2);
      for (const forged of [`/transfer/review?r=${flipped}`, '/transfer/review?r=abc', '/transfer/review']) {
        const page = await browser.get(forged);
        assert.equal(page.status, 303, forged);
        assert.equal(page.location, '/transfer', forged);
      }
      const other = await anotherBrowser(h, 'sealer');
      assert.equal((await other.get(url)).status, 303, "another session of the same person cannot open this session's review");
      const stranger = (await signedIn(h, 'stranger')).browser;
      assert.equal((await stranger.get(url)).status, 303, "another person cannot open someone's review");

      clock.advance(16 * MINUTE);
      await browser.get('/dashboard'); // keeps the session alive across the clock move
      const expired = await browser.get(url);
      assert.equal(expired.status, 303, 'an expired review starts over');
      assert.match((await browser.get('/transfer')).body, /That review has expired/);
    });

    it('refuses at review an amount the balance does not cover (the issue: 99,999.00 with 1,210.50 available), beside the amount', async () => {
      const { browser, user } = await signedIn(h, 'shortpayer');
      await h.user('shortpayee');
      await h.deposit(user, 121_050);
      await browser.get('/transfer');
      const before = await ledgerSnapshot(h.app);
      const page = await browser.post('/transfer', { to: 'shortpayee', amount: '99,999.00', idempotency_key: browser.formKey(), step: 'review' });
      assert.equal(page.status, 422);
      assert.match(text(page.body), /id="amount-error"[^>]*>.*available balance is \$1,210\.50.*does not cover/s);
      assert.doesNotMatch(page.body, /transfer-confirm/, 'no confirm step is offered');
      assert.match(page.body, /id="amount" name="amount" type="text" value="99,999.00"/, 'the typed value is kept');
      // Exactly the balance is covered.
      const exact = await browser.post('/transfer', { to: 'shortpayee', amount: '1,210.50', idempotency_key: browser.formKey() });
      assert.equal(exact.status, 303);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('checks the balance again each time the review page is shown', async () => {
      const { browser, user } = await signedIn(h, 'twotabs');
      await h.user('twotabspayee');
      await h.deposit(user, 5000);
      await browser.get('/transfer');
      const url = (await browser.post('/transfer', { to: 'twotabspayee', amount: '40', idempotency_key: browser.formKey() })).location ?? '';
      assert.equal((await browser.get(url)).status, 200);
      // Meanwhile, in another tab, most of the money goes.
      await browser.get('/withdraw');
      assert.equal((await browser.post('/withdraw', { amount: '20', idempotency_key: browser.formKey() })).status, 303);
      const stale = await browser.get(url);
      assert.equal(stale.status, 422);
      assert.match(text(stale.body), /id="amount-error"[^>]*>.*available balance is \$30\.00/s);
    });

    it('still lets the movement decide on the locked rows when the review was passed', async () => {
      const { browser, user } = await signedIn(h, 'racer');
      await h.user('racepayee');
      await h.deposit(user, 1000);
      await browser.get('/transfer');
      const key = browser.formKey();
      assert.equal((await browser.post('/transfer', { to: 'racepayee', amount: '10', idempotency_key: key })).status, 303);
      await h.inject({
        method: 'POST',
        url: '/api/v1/withdrawals',
        headers: { authorization: `Bearer ${user.token}` },
        payload: { account_id: user.accountId, amount: 500 },
      });
      const refused = await browser.post('/transfer', { to: 'racepayee', amount: '10', idempotency_key: key, step: 'confirm' });
      assert.equal(refused.status, 422);
      assert.equal(await h.balance(user.accountId), 500n);
    });

    it('tells someone who types 12,5 to use a dot for cents on the transfer, deposit and withdraw forms', async () => {
      const { browser, user } = await signedIn(h, 'comma');
      await h.user('commapayee');
      await h.deposit(user, 10_000);
      const before = await ledgerSnapshot(h.app);
      for (const [path, extra] of [
        ['/transfer', { to: 'commapayee' }],
        ['/deposit', {}],
        ['/withdraw', {}],
      ] as const) {
        for (const amount of ['12,5', '0,50']) {
          await browser.get(path);
          const page = await browser.post(path, { ...extra, amount, idempotency_key: browser.formKey() });
          assert.equal(page.status, 400, `${path} ${amount}`);
          assert.match(page.body, /id="amount-error"[^>]*>.*use a dot for cents/s, `${path} ${amount}`);
        }
      }
      assert.equal(await ledgerSnapshot(h.app), before);
    });
  });
}

describe('the amount hint follows the currency', () => {
  for (const [currency, example] of [
    ['USD', '12.50'],
    ['JPY', '1250'],
    ['KWD', '12.500'],
    ['CLF', '12.5000'],
  ] as const) {
    it(`offers "For example ${example}" for ${currency} on every money form`, async () => {
      await withHarness('sqlite', { config: { currency } }, async (h) => {
        const { browser } = await signedIn(h, 'hinted');
        for (const path of ['/deposit', '/withdraw', '/transfer']) {
          const page = await browser.get(path);
          assert.deepEqual(
            [...page.body.matchAll(/id="amount-hint">([^<]*)</g)].map((m) => m[1]),
            [`For example ${example}`],
            `${currency} ${path}`,
          );
        }
      });
    });
  }
});
