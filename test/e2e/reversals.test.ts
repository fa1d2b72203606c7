/**
 * Reversals with four eyes in real Chromium (issue 15 "Done means"): two admins, made as an
 * operator makes them (TOTP enrolled through the API, the role granted with `minibank admin grant`
 * on the command line), sign in with codes an authenticator app would show (otpauth). Admin ada
 * opens a large payment from the customer's account in the console and asks to reverse it with a
 * reason; it waits in the approval queue, where ada cannot approve her own; admin grace approves
 * it; the payer's history shows the reversal by bank staff. Takes the approval queue and deposits
 * report screenshots the README shows.
 *
 * Each TOTP time step is accepted once per user and only above the last one used, and the server
 * runs on the real clock: `freshCode` may wait for the next 30-second step. That wait never decides
 * a pass or a fail.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { apiCall, apiCustomer, enrolTotpThroughApi, totpCode } from './bank-api.js';
import { chromiumSkipReason, chromiumSuite } from './chromium.js';
import { assertFlash, historyRows, pathOf, signInHere, submit } from './pages.js';
import { screenshot } from './screenshots.js';
import { runCli, type RunningServer } from './server-process.js';

const PASSWORD = 'a passphrase long enough for minibank';
const STEP_MS = 30_000;

interface Admin {
  username: string;
  secret: string;
  lastStep: number;
}

const stepNow = () => Math.floor(Date.now() / STEP_MS);
const code = (secret: string, step: number) => totpCode(secret, step * STEP_MS + 1000);

/** A code for a step this admin has not used (the server accepts ±1 step); waits for the clock when it must. */
async function freshCode(admin: Admin): Promise<string> {
  const step = Math.max(admin.lastStep + 1, stepNow());
  while (stepNow() + 1 < step) await new Promise((resolve) => setTimeout(resolve, 250));
  admin.lastStep = step;
  return code(admin.secret, step);
}

const customer = (origin: string, username: string) => apiCustomer(origin, username, PASSWORD);

/** `minibank admin grant <username> admin` on the server's data directory, as an operator runs it. */
async function grantAdmin(server: RunningServer, username: string): Promise<void> {
  const { status, stdout, stderr } = await runCli(server, ['admin', 'grant', username, 'admin']);
  if (status !== 0) throw new Error(`admin grant ${username}: exit ${status}: ${stdout}${stderr}`);
}

/** A customer with TOTP on (enrolled through the API with the app's code) and then the admin role. */
async function makeAdmin(server: RunningServer, username: string): Promise<Admin> {
  const { token } = await customer(server.origin, username);
  const admin: Admin = { username, secret: '', lastStep: 0 };
  await enrolTotpThroughApi(server.origin, token, PASSWORD, (secret) => {
    admin.secret = secret;
    return freshCode(admin);
  });
  await grantAdmin(server, username);
  return admin;
}

describe('reversals with four eyes in Chromium', { skip: chromiumSkipReason() }, () => {
  const suite = chromiumSuite();
  const newPage = (): Promise<Page> => suite.newPage();

  async function signInAdmin(admin: Admin): Promise<Page> {
    const page = await newPage();
    await page.goto(`${suite.server.origin}/login?next=/admin`);
    await signInHere(page, admin.username, PASSWORD);
    assert.match(pathOf(page), /^\/login\/second-factor/);
    await page.fill('#code', await freshCode(admin));
    await submit(page, page.getByTestId('second-factor-submit'));
    return page;
  }

  it('admin ada asks to reverse a large payment with a reason, admin grace approves it in the queue, and the payer sees the reversal', async () => {
    const origin = suite.server.origin;
    const alice = await customer(origin, 'alice');
    const bob = await customer(origin, 'bob');
    const carol = await customer(origin, 'carol');
    const deposit = (who: { token: string; accountId: string }, amount: number, memo: string) =>
      apiCall(origin, 'POST', '/deposits', { body: { account_id: who.accountId, amount, memo }, token: who.token });
    await deposit(alice, 200_000, 'salary');
    await deposit(carol, 4_250, 'birthday money');
    await deposit(bob, 1_000, 'pocket money');
    const payment = (
      await apiCall<{ transaction: { id: string } }>(origin, 'POST', '/transfers', {
        body: { from_account_id: alice.accountId, to: 'bob', amount: 150_000, memo: 'rent' },
        token: alice.token,
      })
    ).transaction.id;
    const [ada, grace] = await Promise.all([makeAdmin(suite.server, 'ada'), makeAdmin(suite.server, 'grace')]);

    const adaPage = await signInAdmin(ada);
    assert.equal(pathOf(adaPage), '/admin');
    await adaPage.fill('#q', 'alice');
    await submit(adaPage, adaPage.getByTestId('admin-search-submit'));
    await submit(adaPage, adaPage.getByTestId('admin-result-link').first());
    await submit(adaPage, adaPage.getByTestId('admin-account-link').first());
    await submit(adaPage, adaPage.locator(`[data-testid=admin-history-row][data-transaction-id="${payment}"] [data-testid=admin-transaction-link]`));
    assert.equal(pathOf(adaPage), `/admin/transactions/${payment}`);
    assert.equal(await adaPage.getByTestId('admin-transaction-amount').textContent(), '$1,500.00');
    assert.match((await adaPage.getByTestId('reversal-rule').textContent()) ?? '', /a second admin must approve/);
    await adaPage.fill('#reason', 'Customer called: paid the wrong bob');
    await adaPage.fill('#mfa_code', await freshCode(ada));
    await submit(adaPage, adaPage.getByTestId('reverse-submit'));
    assert.equal(pathOf(adaPage), `/admin/transactions/${payment}`);
    await assertFlash(adaPage, /Waiting for a second admin's approval/);
    assert.equal(await adaPage.getByTestId('reversal-state').getAttribute('data-state'), 'pending');

    await submit(adaPage, adaPage.locator('#admin-nav-approvals'));
    const own = adaPage.getByTestId('approval-row').first();
    assert.equal(await own.getAttribute('data-mine'), 'true');
    assert.equal(await own.getByTestId('approve-form').count(), 0, 'the maker gets no approve form');
    assert.match((await own.getByTestId('approval-mine').textContent()) ?? '', /another admin must approve/);

    const gracePage = await signInAdmin(grace);
    await submit(gracePage, gracePage.locator('#admin-nav-approvals'));
    const row = gracePage.getByTestId('approval-row').first();
    assert.equal(await row.getByTestId('approval-maker').textContent(), 'ada');
    assert.equal(await row.getByTestId('approval-amount').textContent(), '$1,500.00');
    assert.equal(await row.getByTestId('approval-reason').textContent(), 'Customer called: paid the wrong bob');
    await screenshot(gracePage, 'admin-approvals');
    await row.getByTestId('approve-code').fill(await freshCode(grace));
    await submit(gracePage, row.getByTestId('approve-submit'));
    await assertFlash(gracePage, /Approved: the reversal of \$1,500\.00 is posted\./);
    assert.equal(await gracePage.getByTestId('approval-row').count(), 0);

    const alicePage = await newPage();
    await alicePage.goto(`${origin}/transactions`);
    await signInHere(alicePage, 'alice', PASSWORD);
    assert.equal(pathOf(alicePage), '/transactions');
    const top = (await historyRows(alicePage))[0];
    assert.equal(top?.description, 'Reversal by bank staff');
    assert.equal(top?.amount, '+$1,500.00');
    assert.equal(top?.balance, '$2,000.00');
    assert.equal(await alicePage.getByTestId('transaction-row').first().getAttribute('data-type'), 'reversal');

    await submit(gracePage, gracePage.locator('#admin-nav-deposits'));
    assert.equal(await gracePage.getByTestId('deposit-row').count(), 3);
    assert.equal(await gracePage.locator('[data-testid=deposit-total][data-currency=USD] [data-testid=deposit-total-amount]').textContent(), '$2,052.50');
    await screenshot(gracePage, 'admin-deposits');
    for (const page of [adaPage, gracePage, alicePage]) await page.context().close();
  });
});
