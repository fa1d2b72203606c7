/**
 * Red team, issue 11 class 8 (typed amounts that are not what they seem), class 5 (bounds on every
 * money path) and class 11 (web and API idempotency keys on every money form): variants the fix's
 * own tests did not try.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { parseDecimalAmount } from '../../src/domain/money.js';
import { auth, createHarness, dialects, ledgerSnapshot, type Harness } from '../helpers/harness.js';
import { signedIn } from '../pages/browser.js';

const readAs = (text: string, currency: string, decimalSeparator: '.' | ',' = '.') => {
  try {
    return parseDecimalAmount(text, currency, { decimalSeparator });
  } catch (error) {
    return (error as Error).message;
  }
};

describe('red team: typed amounts (no database)', () => {
  it('refuses every mixed or broken grouping people type, whatever the spaces and apostrophes', () => {
    for (const text of [
      '1,234,56',
      '1.234,56',
      '1,00,000',
      '1,0000',
      '1,000,00',
      '12,34.56',
      '1, 234',
      '1 ,234',
      '1,,234',
      '1.2.3',
      '12.34.56',
      '1\u2019234.56',
      '1_234.56',
      '1\u00ad234',
      '1,234\u200b.56',
      '1\u066c234.56',
      '1\u066b50',
      '\u0661\u0662',
      '\uff11\uff12',
      '0x10',
      '(5)',
      '5-',
      '\u22125',
    ]) {
      assert.equal(typeof readAs(text, 'USD'), 'string', `${JSON.stringify(text)} was read as ${readAs(text, 'USD')}`);
    }
  });

  it('reads well-formed grouping with any common space exactly', () => {
    for (const space of [' ', '\u00a0', '\u202f', '\u2009', "'"]) assert.equal(readAs(`1${space}234.56`, 'USD'), 123456n, JSON.stringify(space));
    assert.equal(readAs('1,234,567.89', 'USD'), 123456789n);
    assert.equal(readAs('12,500', 'USD'), 1250000n, 'with two fraction digits a group of three cannot be cents');
    assert.equal(readAs('1.234,56', 'EUR', ','), 123456n);
  });

  it('refuses one group of three without a decimal point when the currency has three fraction digits (1,500 KWD is 1500 or 1.5)', () => {
    for (const currency of ['KWD', 'BHD', 'OMR', 'JOD', 'TND', 'CLF']) {
      for (const text of ['1,500', '12,500', '999,999']) assert.match(String(readAs(text, currency)), /ambiguous/, `${text} ${currency}`);
      assert.match(String(readAs('1.500', currency, ',')), /ambiguous/, `1.500 ${currency} (decimal comma)`);
      // Unambiguous forms still work: a decimal point, two groups, or no grouping.
      assert.equal(typeof readAs('1,500.000', currency), 'bigint', `1,500.000 ${currency}`);
      assert.equal(typeof readAs('1,500,000', currency), 'bigint', `1,500,000 ${currency}`);
      assert.equal(typeof readAs('1500', currency), 'bigint', `1500 ${currency}`);
    }
    assert.equal(readAs('1,500', 'JPY'), 1500n, 'no fraction digits: nothing to confuse');
  });
});

for (const dialect of await dialects()) {
  describe(`red team: money forms and bounds (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect, { config: { currency: 'KWD' } });
    });
    after(() => h.close());

    it('refuses "1,500" on the KWD deposit, withdraw and transfer forms beside the amount, and moves nothing', async () => {
      const { browser, user } = await signedIn(h, 'dinar');
      await h.user('dinar-payee');
      await h.deposit(user, 5_000_000);
      const before = await ledgerSnapshot(h.app);
      for (const page of ['/deposit', '/withdraw', '/transfer']) {
        await browser.get(page);
        const fields: Record<string, string> = { amount: '1,500', memo: '', idempotency_key: browser.formKey() };
        if (page === '/transfer') Object.assign(fields, { to: 'dinar-payee', step: 'confirm' });
        const res = await browser.post(page, fields);
        assert.equal(res.status, 400, `${page}: ${res.status}`);
        assert.match(res.body, /id="amount-error"[^\n]*ambiguous/, page);
      }
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('refuses "1,234,56" and "1.234,56" on every money form, and moves nothing', async () => {
      const { browser, user } = await signedIn(h, 'grouper');
      await h.user('grouper-payee');
      await h.deposit(user, 5_000_000);
      const before = await ledgerSnapshot(h.app);
      for (const page of ['/deposit', '/withdraw', '/transfer']) {
        for (const amount of ['1,234,56', '1.234,56', '1,00,000']) {
          await browser.get(page);
          const fields: Record<string, string> = { amount, idempotency_key: browser.formKey() };
          if (page === '/transfer') Object.assign(fields, { to: 'grouper-payee', step: 'review' });
          const res = await browser.post(page, fields);
          assert.equal(res.status, 400, `${page} ${amount}: ${res.status}`);
          assert.match(res.body, /id="amount-error"/, `${page} ${amount}`);
        }
      }
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('keeps web and API keys apart on the withdraw and transfer forms, each replaying its own outcome', async () => {
      const { browser, user } = await signedIn(h, 'keyholder');
      await h.user('keyholder-payee');
      await h.deposit(user, 1_000_000);
      for (const page of ['/withdraw', '/transfer']) {
        await browser.get(page);
        const key = browser.formKey();
        const fields: Record<string, string> = { amount: '1', idempotency_key: key };
        if (page === '/transfer') Object.assign(fields, { to: 'keyholder-payee', step: 'confirm' });
        const form = await browser.post(page, fields);
        assert.equal(form.status, 303, `${page}: ${form.body.slice(0, 300)}`);
        const url = page === '/withdraw' ? '/api/v1/withdrawals' : '/api/v1/transfers';
        const payload =
          page === '/withdraw' ? { account_id: user.accountId, amount: 1000 } : { from_account_id: user.accountId, to: 'keyholder-payee', amount: 1000 };
        for (const apiKey of [key, `web:${key}`, `web\t${key}`, `web ${key}`, `WEB:${key}`]) {
          const first = await h.inject({ method: 'POST', url, headers: { ...auth(user), 'idempotency-key': apiKey }, payload });
          assert.equal(first.statusCode, 201, `${page} ${JSON.stringify(apiKey)}: ${first.body}`);
          const replay = await h.inject({ method: 'POST', url, headers: { ...auth(user), 'idempotency-key': apiKey }, payload });
          assert.equal(replay.statusCode, 201);
          assert.equal(replay.headers['idempotent-replayed'], 'true');
        }
        const again = await browser.post(page, { ...fields, _csrf: browser.csrf() });
        assert.equal(again.status, 303, `${page} form resubmitted replays`);
      }
      // The form's 1 KWD and five API keys of 1.000 KWD each, on two pages: 12.000 KWD out, never more.
      assert.equal(await h.balance(user.accountId), 1_000_000n - 2n * 6n * 1000n);
    });

    it('refuses a withdrawal and a transfer that would take the cash account or the payee past the bound, and replays the refusal', async () => {
      const payer = await h.user('bounded-payer');
      const payee = await h.user('bounded-payee');
      await h.deposit(payer, 10_000);
      const db = h.app.ctx.storage.db;
      // The payee sits one minor unit below the bound (written directly; verify is not the point here).
      const bound = 2n ** 53n - 1n;
      await sql`update accounts set balance = ${bound - 1n} where id = ${payee.accountId}`.execute(db);
      const before = await ledgerSnapshot(h.app);
      const headers = { ...auth(payer), 'idempotency-key': 'bound-transfer' };
      const payload = { from_account_id: payer.accountId, to: 'bounded-payee', amount: 2 };
      const refused = await h.inject({ method: 'POST', url: '/api/v1/transfers', headers, payload });
      assert.equal(refused.statusCode, 422, refused.body);
      assert.deepEqual([refused.json().error.code, refused.json().error.param], ['limit_reached', 'amount']);
      const replay = await h.inject({ method: 'POST', url: '/api/v1/transfers', headers, payload });
      assert.equal(replay.statusCode, 422);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      // The payee withdrawing from a balance at the bound still works: only the direction past it is refused.
      const out = await h.inject({ method: 'POST', url: '/api/v1/withdrawals', headers: auth(payee), payload: { account_id: payee.accountId, amount: 1 } });
      assert.equal(out.statusCode, 201, out.body);
      assert.equal(await h.balance(payee.accountId), bound - 2n);
      assert.notEqual(await ledgerSnapshot(h.app), before);
    });
  });
}
