/**
 * Passkeys in real Chromium (issue 13 part B), with the DevTools virtual authenticator (CTAP2,
 * internal, resident keys, user verification): add a passkey from /settings, sign out, and sign in
 * from /login with nothing typed. The page is served at http://localhost:<port> (PUBLIC_URL empty,
 * so the RP ID is the request's host, `localhost`: an IP address is never a valid RP ID).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumSkipReason, chromiumSuite, virtualAuthenticator } from './chromium.js';
import { assertFlash, pathOf, signUp, submit } from './pages.js';
import { screenshot } from './screenshots.js';

const PASSWORD = 'a passphrase long enough for minibank';

describe('passkeys in Chromium', { skip: chromiumSkipReason() }, () => {
  const suite = chromiumSuite();

  it('adds a passkey from /settings, signs out, and signs in with it from /login without a username or password', async () => {
    const origin = `http://localhost:${suite.server.port}`;
    const context = await suite.newContext();
    try {
      const page = await context.newPage();
      await virtualAuthenticator(page);
      await signUp(page, origin, 'passkey-user', PASSWORD);

      await page.goto(`${origin}/settings`);
      assert.equal(await page.locator('#passkey-form').isVisible(), true, 'the add form is shown when JavaScript runs');
      await page.fill('#passkey_name', 'This laptop');
      await page.fill('#passkey_password', PASSWORD);
      await submit(page, page.getByTestId('passkey-add'));
      await assertFlash(page, /Passkey “This laptop” added/);
      assert.equal(await page.getByTestId('passkey-name').textContent(), 'This laptop');
      await page.locator('#passkeys').scrollIntoViewIfNeeded();
      await screenshot(page, 'passkeys-settings');

      await submit(page, page.locator('#logout-button'));
      assert.equal(pathOf(page), '/login');
      await submit(page, page.getByTestId('passkey-login'));
      assert.equal(pathOf(page), '/dashboard');
      assert.match((await page.getByTestId('signed-in-user').textContent()) ?? '', /passkey-user/);

      await page.goto(`${origin}/settings`);
      assert.equal(await page.getByTestId('passkey-last-used').evaluate((el) => el.tagName), 'TIME', 'last used is shown after the sign-in');
    } finally {
      await context.close();
    }
  });
});
