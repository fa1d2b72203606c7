/**
 * The second factor in real Chromium (issue 13 "tests that must exist"):
 * (a) enrol TOTP from /settings reading the text key from the page (codes computed here with
 *     otpauth, as an authenticator app would), sign out, sign in with the password and a code;
 * (b) register a passkey with the DevTools virtual authenticator, sign in with it, then send a
 *     transfer of at least STEP_UP_MINOR whose review step asks for the passkey again, which the
 *     virtual authenticator answers.
 * Served at http://localhost:<port> (PUBLIC_URL empty: the RP ID is `localhost`). STEP_UP_MINOR is
 * 5000 here so a small deposit covers a large transfer. Screenshots of the new pages are taken.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appCode } from './bank-api.js';
import { chromiumSkipReason, chromiumSuite, virtualAuthenticator } from './chromium.js';
import { assertFlash, pathOf, signInHere, signUp, submit } from './pages.js';
import { screenshot } from './screenshots.js';

const PASSWORD = 'a passphrase long enough for minibank';

async function deposit(page: Page, origin: string, amount: string) {
  await page.goto(`${origin}/deposit`);
  await page.fill('#amount', amount);
  await submit(page, page.getByTestId('deposit-submit'));
  assert.equal(pathOf(page), '/dashboard');
}

describe('the second factor in Chromium', { skip: chromiumSkipReason() }, () => {
  const suite = chromiumSuite({ STEP_UP_MINOR: '5000' });

  it('enrols an authenticator app from /settings with the key read from the page, signs out, and signs in with the password and a code', async () => {
    const origin = `http://localhost:${suite.server.port}`;
    const context = await suite.newContext();
    try {
      const payee = await context.newPage();
      await signUp(payee, origin, 'totp-payee', PASSWORD);
      await payee.close();
      await context.clearCookies();
      const page = await context.newPage();
      await signUp(page, origin, 'totp-user', PASSWORD);
      await page.goto(`${origin}/settings`);
      await page.fill('#totp_password', PASSWORD);
      await submit(page, page.locator('#totp-start-submit'));
      const key = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
      assert.match(key, /^[A-Z2-7]{16,}$/, 'the key is shown as text');
      assert.equal(
        await page.getByTestId('totp-qr').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
        true,
        'the QR code image loads',
      );
      await page.locator('#totp').scrollIntoViewIfNeeded();
      await screenshot(page, 'totp-enrolment');
      await page.fill('#totp_code', appCode(key));
      await submit(page, page.locator('#totp-confirm-submit'));
      assert.equal(await page.getByTestId('recovery-code').count(), 10, 'ten recovery codes, shown once');

      await page.goto(`${origin}/dashboard`);
      await submit(page, page.locator('#logout-button'));
      await page.goto(`${origin}/login`);
      await signInHere(page, 'totp-user', PASSWORD);
      assert.equal(pathOf(page), '/login/second-factor', 'the right password leads to the second step');
      await screenshot(page, 'second-factor-sign-in');
      // The step of the enrolment code is used up: the app's next code (one step ahead is accepted).
      await page.fill('#code', appCode(key, 1));
      await submit(page, page.getByTestId('second-factor-submit'));
      assert.equal(pathOf(page), '/dashboard');
      assert.match((await page.getByTestId('signed-in-user').textContent()) ?? '', /totp-user/);

      // A large transfer's review step asks for a code (the picture; the sending is tested on the pages).
      await deposit(page, origin, '100.00');
      await page.goto(`${origin}/transfer`);
      await page.fill('#to', 'totp-payee');
      await page.fill('#amount', '60.00');
      await submit(page, page.getByTestId('transfer-review'));
      assert.equal(await page.locator('#mfa_code').isVisible(), true, 'the review step asks for a code');
      await screenshot(page, 'transfer-step-up-code');
    } finally {
      await context.close();
    }
  });

  it('registers a passkey, signs in with it, and confirms a large transfer with it on the review step', async () => {
    const origin = `http://localhost:${suite.server.port}`;
    const context = await suite.newContext();
    try {
      const payee = await context.newPage();
      await signUp(payee, origin, 'step-up-payee', PASSWORD);
      await payee.close();
      await context.clearCookies();
      const page = await context.newPage();
      const { cdp, authenticatorId } = await virtualAuthenticator(page);
      await signUp(page, origin, 'step-up-user', PASSWORD);
      await page.goto(`${origin}/settings`);
      await page.fill('#passkey_name', 'This laptop');
      await page.fill('#passkey_password', PASSWORD);
      await submit(page, page.getByTestId('passkey-add'));
      await assertFlash(page, /Passkey “This laptop” added/);

      await submit(page, page.locator('#logout-button'));
      await submit(page, page.getByTestId('passkey-login'));
      assert.equal(pathOf(page), '/dashboard');
      await deposit(page, origin, '100.00');

      await page.goto(`${origin}/transfer`);
      await page.fill('#to', 'step-up-payee');
      await page.fill('#amount', '60.00');
      await submit(page, page.getByTestId('transfer-review'));
      assert.match(pathOf(page), /^\/transfer\/review\?r=/);
      const button = page.getByTestId('step-up-passkey');
      await button.waitFor({ state: 'visible' });
      assert.equal(await page.locator('#mfa_code').count(), 0, 'no code field: this user has no authenticator app');
      await screenshot(page, 'transfer-step-up');
      const before = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0]!.signCount;
      await submit(page, button);
      assert.equal(pathOf(page), '/dashboard');
      await assertFlash(page, /Sent \$60\.00 to step-up-payee/);
      const afterCount = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0]!.signCount;
      assert.ok(afterCount > before, 'the virtual authenticator signed the step-up');
    } finally {
      await context.close();
    }
  });
});
