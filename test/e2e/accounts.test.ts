/**
 * Several accounts in real Chromium (issue 14 item 1): a user opens a EUR account and a second USD
 * account from /accounts, views the EUR one, moves money from Main to the other USD account through
 * /transfer with the From account select (the review names both), and sees each account's own
 * history (the history's account select; "Clear filter" keeps it). Then, with three accounts, the
 * dashboard, /accounts, /transfer and the history fit a 320 and a 375 px phone (no sideways scroll):
 * the accounts list had made the dashboard 435 px wide at 375 px.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, chromiumSuite } from './chromium.js';
import { assertFlash, balanceText, historyRows, pathOf, signUp, submit } from './pages.js';
import { screenshot } from './screenshots.js';

const PASSWORD = 'several accounts need one passphrase';
const STEP_TIMEOUT_MS = 120_000;

/** Opens an account from /accounts' form and returns its row's account id. */
async function openAccount(page: Page, name: string, currency: string): Promise<string> {
  await page.fill('#new-name', name);
  await page.selectOption('#currency', currency);
  await submit(page, page.getByTestId('open-account-submit'));
  assert.equal(pathOf(page), '/accounts');
  await assertFlash(page, new RegExp(`Opened ${name} \\(${currency}\\)\\.`));
  const row = page.getByTestId('manage-account').filter({ has: page.getByTestId('account-name').getByText(name, { exact: true }) });
  return (await row.getAttribute('data-account-id')) ?? '';
}

describe('several accounts in Chromium', { skip: chromiumSkipReason() }, () => {
  // Server and Chromium started (and always closed) the one way every e2e suite does (chromium.ts).
  const suite = chromiumSuite();
  let page: Page;
  let origin = '';

  before(async () => {
    origin = suite.server.origin;
    page = await suite.newPage();
  });

  it(
    'opens accounts from /accounts, moves money between its own USD accounts with the select, and shows each history',
    { timeout: STEP_TIMEOUT_MS },
    async () => {
      await signUp(page, origin, 'carol', PASSWORD);
      await page.goto(`${origin}/deposit`);
      await page.fill('#amount', '100.00');
      await submit(page, page.getByTestId('deposit-submit'));

      await submit(page, page.locator('#manage-accounts'));
      assert.equal(pathOf(page), '/accounts');
      const euros = await openAccount(page, 'Euros', 'EUR');
      const savings = await openAccount(page, 'Savings', 'USD');
      const savingsNumber = ((await page.locator(`[data-account-id="${savings}"] [data-testid=account-row-number]`).textContent()) ?? '').trim();
      assert.match(savingsNumber, /^\d{4} \d{4} \d{4}$/);

      // The second account, opened from /accounts: its own dashboard.
      await submit(page, page.locator(`[data-account-id="${euros}"]`).getByRole('link', { name: 'View' }));
      assert.equal(pathOf(page), `/dashboard?account=${euros}`);
      assert.equal(await page.getByTestId('chosen-account-name').textContent(), 'Euros');
      assert.equal(await balanceText(page), '€0.00');
      assert.equal(await page.getByTestId('account-row').count(), 3);

      // Main to Savings through /transfer: choose the account, pay Savings' number.
      await page.goto(`${origin}/transfer`);
      const options = await page.locator('#account option').allTextContents();
      assert.deepEqual(
        options.map((o) => o.replace(/ \(.*/, '')),
        ['Main', 'Euros', 'Savings'],
      );
      await page.selectOption('#account', { label: options[0]! });
      await page.fill('#to', savingsNumber);
      await page.fill('#amount', '25.00');
      await page.fill('#memo', 'rainy day');
      await submit(page, page.getByTestId('transfer-review'));
      assert.match(pathOf(page), /^\/transfer\/review\?r=/);
      assert.equal(await page.getByTestId('review-from-name').textContent(), 'Main');
      assert.match((await page.getByTestId('review-payee-own').textContent()) ?? '', /Your account Savings/);
      assert.equal(await page.getByTestId('review-amount').textContent(), '$25.00');
      await screenshot(page, 'transfer-review-own-accounts');
      await submit(page, page.getByTestId('transfer-confirm'));
      assert.equal(pathOf(page), '/dashboard');
      await assertFlash(page, /Moved \$25\.00 from Main to Savings\./);
      assert.equal(await balanceText(page), '$75.00');
      await screenshot(page, 'dashboard-accounts');

      // Per-account history: Main shows the deposit and the transfer out; Savings only the transfer in.
      await page.goto(`${origin}/transactions`);
      const main = await historyRows(page);
      assert.deepEqual(
        main.map((r) => r.amount),
        ['\u2212$25.00', '+$100.00'],
      );
      await page.selectOption('#account', savings);
      await submit(page, page.getByTestId('filter-submit'));
      assert.equal(new URL(page.url()).searchParams.get('account'), savings);
      const pot = await historyRows(page);
      assert.deepEqual(
        pot.map((r) => [r.amount, r.memo, r.balance]),
        [['+$25.00', 'rainy day', '$25.00']],
      );
      assert.equal(await balanceText(page), '$25.00');
      // Filtering by type and clearing it stays on Savings.
      await page.selectOption('#type', 'deposit');
      await submit(page, page.getByTestId('filter-submit'));
      assert.equal(await page.getByTestId('no-transactions').count(), 1);
      await submit(page, page.getByTestId('filter-clear'));
      assert.equal(pathOf(page), `/transactions?account=${savings}`);
      assert.equal((await historyRows(page)).length, 1);
    },
  );

  it('fits a 320 and a 375 px phone with three accounts: dashboard, /accounts, /transfer and the history', { timeout: STEP_TIMEOUT_MS }, async () => {
    const cookies = await page.context().cookies();
    for (const width of [320, 375]) {
      const context = await suite.newContext({ width, height: 740 });
      await context.addCookies(cookies);
      const phone = await context.newPage();
      for (const path of ['/dashboard', '/accounts', '/transfer', '/transactions', '/deposit']) {
        await phone.goto(`${origin}${path}`);
        assert.equal(pathOf(phone), path);
        const scrollWidth = await phone.locator('html').evaluate((html) => html.scrollWidth);
        assert.ok(scrollWidth <= width, `${path} is ${scrollWidth}px wide at ${width}px`);
        if (path === '/dashboard') {
          const card = await phone.locator('.balance-card').evaluate((el) => el.getBoundingClientRect().right);
          assert.ok(card <= width, `the balance card ends at ${card}px at ${width}px`);
          if (width === 375) await screenshot(phone, 'dashboard-accounts-phone');
        }
      }
      await context.close();
    }
  });
});
