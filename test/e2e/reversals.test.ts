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
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from './chromium.js';
import { assertFlash, historyRows, pathOf, signInHere, submit } from './pages.js';
import { DESKTOP, screenshot } from './screenshots.js';
import { startServer, type RunningServer } from './server-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PASSWORD = 'a passphrase long enough for minibank';
const STEP_MS = 30_000;

interface Admin {
  username: string;
  secret: string;
  lastStep: number;
}

const stepNow = () => Math.floor(Date.now() / STEP_MS);
const code = (secret: string, step: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: step * STEP_MS + 1000 });

/** A code for a step this admin has not used (the server accepts ±1 step); waits for the clock when it must. */
async function freshCode(admin: Admin): Promise<string> {
  const step = Math.max(admin.lastStep + 1, stepNow());
  while (stepNow() + 1 < step) await new Promise((resolve) => setTimeout(resolve, 250));
  admin.lastStep = step;
  return code(admin.secret, step);
}

async function call(origin: string, method: string, url: string, body?: unknown, token?: string) {
  const res = await fetch(`${origin}/api/v1${url}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** Signs up `username`; returns a token and the first account's id. */
async function customer(origin: string, username: string): Promise<{ token: string; accountId: string }> {
  await call(origin, 'POST', '/signup', { username, password: PASSWORD });
  const token = (await call(origin, 'POST', '/auth/token', { username, password: PASSWORD })).access_token as string;
  const me = await call(origin, 'GET', '/me', undefined, token);
  return { token, accountId: me.accounts[0].id as string };
}

/** `minibank admin grant <username> admin` on the server's data directory, as an operator runs it. */
function grantAdmin(server: RunningServer, username: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'admin', 'grant', username, 'admin'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: server.dataDir, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exit) => (exit === 0 ? resolve() : reject(new Error(`admin grant ${username}: exit ${exit}: ${output}`))));
  });
}

/** A customer with TOTP on (enrolled through the API with the app's code) and then the admin role. */
async function makeAdmin(server: RunningServer, username: string): Promise<Admin> {
  const { token } = await customer(server.origin, username);
  const secret = (await call(server.origin, 'POST', '/me/mfa/totp', { password: PASSWORD }, token)).secret as string;
  const admin: Admin = { username, secret, lastStep: 0 };
  await call(server.origin, 'POST', '/me/mfa/totp/confirm', { otp: await freshCode(admin) }, token);
  await grantAdmin(server, username);
  return admin;
}

describe('reversals with four eyes in Chromium', { skip: chromiumSkipReason() }, () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const newPage = async (): Promise<Page> => (await browser!.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' })).newPage();

  async function signInAdmin(admin: Admin): Promise<Page> {
    const page = await newPage();
    await page.goto(`${server!.origin}/login?next=/admin`);
    await signInHere(page, admin.username, PASSWORD);
    assert.match(pathOf(page), /^\/login\/second-factor/);
    await page.fill('#code', await freshCode(admin));
    await submit(page, page.getByTestId('second-factor-submit'));
    return page;
  }

  it('admin ada asks to reverse a large payment with a reason, admin grace approves it in the queue, and the payer sees the reversal', async () => {
    const origin = server!.origin;
    const alice = await customer(origin, 'alice');
    const bob = await customer(origin, 'bob');
    const carol = await customer(origin, 'carol');
    const deposit = (who: { token: string; accountId: string }, amount: number, memo: string) =>
      call(origin, 'POST', '/deposits', { account_id: who.accountId, amount, memo }, who.token);
    await deposit(alice, 200_000, 'salary');
    await deposit(carol, 4_250, 'birthday money');
    await deposit(bob, 1_000, 'pocket money');
    const payment = (await call(origin, 'POST', '/transfers', { from_account_id: alice.accountId, to: 'bob', amount: 150_000, memo: 'rent' }, alice.token))
      .transaction.id as string;
    const [ada, grace] = await Promise.all([makeAdmin(server!, 'ada'), makeAdmin(server!, 'grace')]);

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
