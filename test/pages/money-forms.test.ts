import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, dialects, ledgerSnapshot, type Harness } from '../helpers/harness.js';
import { signedIn } from './browser.js';

for (const dialect of await dialects()) {
  describe(`money forms (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    it('deposits an amount typed as people write it, exactly, then redirects with a flash', async () => {
      const { browser, user } = await signedIn(h, 'dep');
      await browser.get('/deposit');
      const res = await browser.post('/deposit', { amount: '1,250.05', memo: 'salary', idempotency_key: browser.formKey() });
      assert.equal(res.status, 303);
      assert.equal(res.location, '/dashboard');
      assert.equal(await h.balance(user.accountId), 125005n);
      const dash = await browser.get('/dashboard');
      assert.match(dash.body, /data-testid="flash"[^>]*>Added \$1,250\.05\./);
      assert.match(dash.body, /data-testid="balance">\$1,250\.05</);
      const again = await browser.get('/dashboard');
      assert.doesNotMatch(again.body, /data-testid="flash"/, 'the flash shows once');
    });

    it('moves money once when the same deposit form is submitted twice (reload or double click)', async () => {
      const { browser, user } = await signedIn(h, 'reload');
      await browser.get('/deposit');
      const key = browser.formKey();
      const first = await browser.post('/deposit', { amount: '10.00', idempotency_key: key });
      const second = await browser.post('/deposit', { amount: '10.00', idempotency_key: key, _csrf: browser.csrf() });
      assert.equal(first.status, 303);
      assert.equal(second.status, 303);
      assert.equal(await h.balance(user.accountId), 1000n);
      const entries = await h.app.ctx.storage.db.selectFrom('entries').select('seq').where('account_id', '=', user.accountId).execute();
      assert.equal(entries.length, 1);
    });

    it('gives every rendered form a fresh idempotency key', async () => {
      const { browser } = await signedIn(h, 'freshkey');
      const a = browser.formKey((await browser.get('/deposit')).body);
      const b = browser.formKey((await browser.get('/deposit')).body);
      assert.ok(a && b && a !== b);
    });

    it('shows errors beside the fields with the typed values kept, and moves nothing', async () => {
      const { browser } = await signedIn(h, 'badinput');
      await browser.get('/deposit');
      const before = await ledgerSnapshot(h.app);
      for (const amount of ['12.345', 'abc', '-5', '0', '1e3', '1,25', '']) {
        const page = await browser.post('/deposit', { amount, memo: 'kept memo', idempotency_key: browser.formKey() });
        assert.equal(page.status, 400, amount);
        assert.match(page.body, /id="amount-error"/, amount);
        assert.match(page.body, /aria-invalid="true"/);
        assert.match(page.body, /<a href="#amount">/, 'error summary links to the field');
        assert.match(page.body, new RegExp(`id="amount" name="amount" type="text" value="${amount.replace(/[.$^*+?()[\]{}|\\]/g, '\\$&')}"`), 'value kept');
        assert.match(page.body, /value="kept memo"/);
      }
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('refuses a withdrawal above the balance beside the amount, and a corrected one then works', async () => {
      const { browser, user } = await signedIn(h, 'withdrawer');
      await h.deposit(user, 500);
      await browser.get('/withdraw');
      const refused = await browser.post('/withdraw', { amount: '6', idempotency_key: browser.formKey() });
      assert.equal(refused.status, 422);
      assert.match(refused.body, /id="amount-error"[^>]*>.*does not cover/s);
      assert.equal(await h.balance(user.accountId), 500n);
      const ok = await browser.post('/withdraw', { amount: '2.50', idempotency_key: browser.formKey() });
      assert.equal(ok.status, 303);
      assert.equal(await h.balance(user.accountId), 250n);
    });

    it('shows the payee on a review step and moves nothing until confirmed', async () => {
      const { browser, user: payer } = await signedIn(h, 'payer');
      const payee = await h.user('payee');
      await h.deposit(payer, 10_000);
      await browser.get('/transfer');
      const key = browser.formKey();
      const before = await ledgerSnapshot(h.app);
      const posted = await browser.post('/transfer', { to: payee.accountNumber, amount: '25', memo: 'lunch', idempotency_key: key, step: 'review' });
      assert.equal(posted.status, 303, 'the review step is POST-redirect-GET');
      const review = await browser.follow(posted);
      assert.equal(review.status, 200);
      assert.match(review.body, /data-testid="review-payee">payee</);
      assert.match(review.body, /data-testid="review-amount">\$25\.00</);
      assert.equal(await ledgerSnapshot(h.app), before, 'review moves nothing');
      assert.equal(browser.formKey(), key, 'the key travels through the review');

      const sent = await browser.post('/transfer', { to: payee.accountNumber, amount: '25', memo: 'lunch', idempotency_key: key, step: 'confirm' });
      assert.equal(sent.status, 303);
      assert.equal(sent.location, '/dashboard');
      const again = await browser.post('/transfer', { to: payee.accountNumber, amount: '25', memo: 'lunch', idempotency_key: key, step: 'confirm' });
      assert.equal(again.status, 303, 'a reload of the confirmation replays');
      assert.equal(await h.balance(payer.accountId), 7500n);
      assert.equal(await h.balance(payee.accountId), 2500n);
      assert.match((await browser.get('/dashboard')).body, /Sent \$25\.00 to payee\./);
    });

    it('pays by username too, and keeps values when going back to edit', async () => {
      const { browser, user } = await signedIn(h, 'byname');
      await h.user('namedpayee');
      await h.deposit(user, 1000);
      await browser.get('/transfer');
      const key = browser.formKey();
      const edit = await browser.post('/transfer', { to: 'NamedPayee', amount: '3.10', memo: 'x', idempotency_key: key, step: 'edit' });
      assert.equal(edit.status, 200);
      assert.match(edit.body, /id="to" name="to" type="text" value="NamedPayee"/);
      assert.match(edit.body, /id="amount" name="amount" type="text" value="3.10"/);
      const review = await browser.follow(browser.post('/transfer', { to: 'NamedPayee', amount: '3.10', idempotency_key: key }));
      assert.match(review.body, /data-testid="review-payee">namedpayee</);
    });

    it('names an unknown payee, oneself or a bad amount beside the right field and moves nothing', async () => {
      const { browser, user } = await signedIn(h, 'mistakes');
      await h.deposit(user, 1000);
      await browser.get('/transfer');
      const before = await ledgerSnapshot(h.app);
      const cases: [Record<string, string>, number, string][] = [
        [{ to: 'nobody-here', amount: '1' }, 404, 'to'],
        [{ to: user.accountNumber, amount: '1' }, 422, 'to'],
        [{ to: 'mistakes', amount: '1' }, 422, 'to'],
        [{ to: '', amount: '1' }, 400, 'to'],
        [{ to: 'payee', amount: '1.001' }, 400, 'amount'],
      ];
      for (const [fields, status, fieldName] of cases) {
        for (const step of ['review', 'confirm']) {
          const page = await browser.post('/transfer', { ...fields, idempotency_key: browser.formKey(), step });
          assert.equal(page.status, status, `${JSON.stringify(fields)} ${step}`);
          assert.match(page.body, new RegExp(`id="${fieldName}-error"`), `${JSON.stringify(fields)} ${step}`);
        }
      }
      const tooMuch = await browser.post('/transfer', { to: 'payee', amount: '11', idempotency_key: browser.formKey(), step: 'confirm' });
      assert.equal(tooMuch.status, 422);
      assert.match(tooMuch.body, /id="amount-error"/);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('refuses a reused form key with different details instead of moving money', async () => {
      const { browser, user } = await signedIn(h, 'reuse');
      await browser.get('/deposit');
      const key = browser.formKey();
      assert.equal((await browser.post('/deposit', { amount: '1', idempotency_key: key })).status, 303);
      const conflict = await browser.post('/deposit', { amount: '2', idempotency_key: key });
      assert.equal(conflict.status, 409);
      assert.match(conflict.body, /already submitted/);
      assert.notEqual(browser.formKey(), key, 'the re-rendered form has a new key');
      assert.equal(await h.balance(user.accountId), 100n);
    });

    it('lists history newest first with running balances, filters by type and date, and pages by keyset', async () => {
      const { browser, user } = await signedIn(h, 'historian');
      for (let i = 1; i <= 25; i++) await h.deposit(user, i * 100);
      const first = await browser.get('/transactions');
      assert.equal(first.status, 200);
      const balances = [...first.body.matchAll(/data-testid="transaction-balance">([^<]+)</g)].map((m) => m[1]);
      assert.equal(balances.length, 20);
      assert.equal(balances[0], '$325.00');
      assert.equal(balances[1], '$300.00');
      const older = /href="([^"]+)" id="page-older"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(older);
      const second = await browser.get(older);
      const rest = [...second.body.matchAll(/data-testid="transaction-balance">([^<]+)</g)].map((m) => m[1]);
      assert.deepEqual(rest, ['$15.00', '$10.00', '$6.00', '$3.00', '$1.00']);
      assert.doesNotMatch(second.body, /id="page-older"/);

      const withdrawals = await browser.get('/transactions?type=withdrawal');
      assert.match(withdrawals.body, /No transactions match this filter/);
      // Every type the filter accepts is offered, reversals (issue 15) included.
      const typeSelect = /<select id="type"[\s\S]*?<\/select>/.exec(withdrawals.body)?.[0] ?? '';
      assert.deepEqual(
        [...typeSelect.matchAll(/<option value="(\w+)"/g)].map((m) => m[1]),
        ['all', 'deposit', 'withdrawal', 'transfer', 'reversal'],
      );
      const reversals = await browser.get('/transactions?type=reversal');
      assert.match(reversals.body, /No transactions match this filter/);
      const future = await browser.get('/transactions?from=2999-01-01');
      assert.match(future.body, /No transactions match this filter/);
      const today = new Date(h.app.ctx.clock.nowMs()).toISOString().slice(0, 10);
      const ranged = await browser.get(`/transactions?from=${today}&to=${today}&type=deposit`);
      assert.equal([...ranged.body.matchAll(/data-testid="transaction-row"/g)].length, 20);
      const bad = await browser.get('/transactions?from=2024-02-30&type=bogus');
      assert.equal(bad.status, 400);
      assert.match(bad.body, /id="from-error"/);
      assert.match(bad.body, /id="type-error"/);
    });

    it('exports the same filter as CSV with a header, plain decimals and the running balance', async () => {
      const { browser, user } = await signedIn(h, 'exporter');
      const other = await h.user('csvpeer');
      await h.deposit(user, 125_050);
      await browser.get('/transfer');
      const key = browser.formKey();
      await browser.post('/transfer', { to: 'csvpeer', amount: '0.05', memo: 'tip, with "quotes"', idempotency_key: key, step: 'confirm' });
      await browser.get('/withdraw');
      await browser.post('/withdraw', { amount: '1000', idempotency_key: browser.formKey() });
      const csv = await browser.get('/transactions.csv');
      assert.equal(csv.status, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv; charset=utf-8/);
      assert.match(String(csv.headers['content-disposition']), /^attachment; filename="minibank-\d{12}-\d{4}-\d{2}-\d{2}\.csv"$/);
      assert.equal(csv.headers['cache-control'], 'no-store');
      const lines = csv.body.split('\r\n');
      assert.equal(lines[0], 'date,transaction_id,type,direction,amount,balance,currency,counterparty,counterparty_account,memo');
      assert.equal(lines.length, 5, 'header, three rows, trailing newline');
      assert.equal(lines[4], '');
      const rows = lines.slice(1, 4).map((l) => l.split(','));
      assert.deepEqual(rows[0]!.slice(2, 7), ['withdrawal', 'debit', '-1000.00', '250.45', 'USD']);
      assert.deepEqual(rows[1]!.slice(2, 9), ['transfer', 'debit', '-0.05', '1250.45', 'USD', '"csvpeer"', other.accountNumber]);
      assert.match(lines[2]!, /,"tip, with ""quotes"""$/);
      assert.deepEqual(rows[2]!.slice(2, 7), ['deposit', 'credit', '1250.50', '1250.50', 'USD']);
      const onlyDeposits = await browser.get('/transactions.csv?type=deposit');
      assert.equal(onlyDeposits.body.split('\r\n').length, 3);
    });

    it('streams a long history into one complete CSV', async () => {
      const { browser, user } = await signedIn(h, 'longcsv');
      for (let i = 0; i < 230; i++) await h.deposit(user, 1);
      const csv = await browser.get('/transactions.csv');
      const lines = csv.body.trimEnd().split('\r\n');
      assert.equal(lines.length, 231);
      assert.match(lines[1]!, /,2\.30,USD,/);
      assert.match(lines[230]!, /,0\.01,USD,/);
    });
  });
}
