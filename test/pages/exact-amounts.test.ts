/**
 * Issue 11 class 9 (display that rounds): every page and the CSV show exactly the stored amount, in
 * the account's currency with its ISO 4217 exponent. One flow per currency: deposit on the form,
 * send part of it through the review step, then read every place an amount appears.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialects, withHarness } from '../helpers/harness.js';
import { signedIn, type Browser } from './browser.js';

interface CurrencyCase {
  currency: string;
  /** Typed on the deposit form, and how every page must show it. */
  deposit: { typed: string; shown: string; csv: string };
  /** Typed on the transfer form, and how the review step, the flash and the history show it. */
  send: { typed: string; shown: string; csv: string };
  /** The balance after both. */
  after: { shown: string; csv: string };
}

const CASES: CurrencyCase[] = [
  // The example: HUF has two decimals in ISO 4217, zero "cash" digits in CLDR.
  {
    currency: 'HUF',
    deposit: { typed: '123.40', shown: 'HUF 123.40', csv: '123.40' },
    send: { typed: '0.40', shown: 'HUF 0.40', csv: '-0.40' },
    after: { shown: 'HUF 123.00', csv: '123.00' },
  },
  {
    currency: 'JPY',
    deposit: { typed: '12,340', shown: '¥12,340', csv: '12340' },
    send: { typed: '40', shown: '¥40', csv: '-40' },
    after: { shown: '¥12,300', csv: '12300' },
  },
  {
    currency: 'USD',
    deposit: { typed: '123.40', shown: '$123.40', csv: '123.40' },
    send: { typed: '0.40', shown: '$0.40', csv: '-0.40' },
    after: { shown: '$123.00', csv: '123.00' },
  },
  {
    currency: 'KWD',
    deposit: { typed: '123.405', shown: 'KWD 123.405', csv: '123.405' },
    send: { typed: '0.4', shown: 'KWD 0.400', csv: '-0.400' },
    after: { shown: 'KWD 123.005', csv: '123.005' },
  },
  {
    currency: 'BHD',
    deposit: { typed: '0.041', shown: 'BHD 0.041', csv: '0.041' },
    send: { typed: '0.001', shown: 'BHD 0.001', csv: '-0.001' },
    after: { shown: 'BHD 0.040', csv: '0.040' },
  },
];

/** The page as a reader sees it: no-break spaces (Intl puts one after a currency code) as spaces. */
const text = (body: string) => body.replace(/\u00a0/g, ' ');
const testid = (body: string, id: string) => [...text(body).matchAll(new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);
const chartRows = (body: string) => [...text(body).matchAll(/<td class="num">([^<]+)<\/td><\/tr>/g)].map((m) => m[1]);

for (const dialect of await dialects()) {
  describe(`exact amounts on every page (${dialect})`, () => {
    for (const c of CASES) {
      it(`shows ${c.currency} amounts exactly on the forms, review step, dashboard, chart, history and CSV`, async () => {
        await withHarness(dialect, { config: { currency: c.currency } }, async (h) => {
          const { browser } = await signedIn(h, 'holder');
          await h.user('payee');
          await post(browser, '/deposit', { amount: c.deposit.typed });
          let dashboard = text((await browser.get('/dashboard')).body);
          assert.deepEqual(testid(dashboard, 'flash'), [`Added ${c.deposit.shown}.`], 'the flash after a deposit');
          assert.deepEqual(testid(dashboard, 'balance'), [c.deposit.shown], 'the dashboard balance');

          await browser.get('/transfer');
          assert.deepEqual(testid(browser.lastBody, 'balance'), [c.deposit.shown], 'the transfer form balance');
          const key = browser.formKey();
          const review = text(
            (await browser.follow(browser.post('/transfer', { to: 'payee', amount: c.send.typed, idempotency_key: key, step: 'review' }))).body,
          );
          assert.deepEqual(testid(review, 'review-amount'), [c.send.shown], 'the review step amount');
          assert.deepEqual(testid(review, 'transfer-confirm'), [`Send ${c.send.shown}`], 'the review step button');
          const sent = await browser.post('/transfer', { to: 'payee', amount: c.send.typed, idempotency_key: key, step: 'confirm' });
          assert.equal(sent.status, 303);

          dashboard = text((await browser.get('/dashboard')).body);
          assert.deepEqual(testid(dashboard, 'flash'), [`Sent ${c.send.shown} to payee.`], 'the flash after a transfer');
          assert.deepEqual(testid(dashboard, 'balance'), [c.after.shown]);
          assert.deepEqual(testid(dashboard, 'transaction-amount'), [`\u2212${c.send.shown}`, `+${c.deposit.shown}`], 'recent transactions');
          assert.deepEqual(testid(dashboard, 'transaction-balance'), [c.after.shown, c.deposit.shown]);
          assert.equal(chartRows(dashboard).at(-1), c.after.shown, "the chart table's last day");
          // The chart plots closing balances per day, so today's high is today's closing balance.
          assert.ok(dashboard.includes(`${c.after.shown} now; highest ${c.after.shown}.`), 'the chart summary');
          assert.ok(dashboard.includes(`<span>High ${c.after.shown}</span>`), "the chart's high label");

          for (const path of ['/deposit', '/withdraw']) {
            assert.deepEqual(testid((await browser.get(path)).body, 'balance'), [c.after.shown], `the ${path} form balance`);
          }
          const history = text((await browser.get('/transactions')).body);
          assert.deepEqual(testid(history, 'balance'), [c.after.shown], 'the history balance');
          assert.deepEqual(testid(history, 'transaction-amount'), [`\u2212${c.send.shown}`, `+${c.deposit.shown}`]);
          assert.deepEqual(testid(history, 'transaction-balance'), [c.after.shown, c.deposit.shown]);

          const csv = (await browser.get('/transactions.csv')).body
            .split('\r\n')
            .slice(1, 3)
            .map((l) => l.split(',').slice(4, 7));
          assert.deepEqual(csv, [
            [c.send.csv, c.after.csv, c.currency],
            [c.deposit.csv, c.deposit.csv, c.currency],
          ]);

          await post(browser, '/withdraw', { amount: c.send.typed });
          assert.deepEqual(testid((await browser.get('/dashboard')).body, 'flash'), [`Withdrew ${c.send.shown}.`], 'the flash after a withdrawal');
        });
      });
    }
  });
}

async function post(browser: Browser, path: string, fields: Record<string, string>): Promise<void> {
  await browser.get(path);
  const res = await browser.post(path, { ...fields, idempotency_key: browser.formKey() });
  assert.equal(res.status, 303, `${path} ${JSON.stringify(fields)}: ${res.status}`);
}
