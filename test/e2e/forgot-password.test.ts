/**
 * Forgot password in real Chromium (issue 18 "Tests that must exist"), against the real server with
 * SMTP_URL pointing at an SMTP server running in the test: alice confirms an address through the
 * API (the confirmation link read from its email), then on /login follows "Forgot password?", asks
 * by username, opens the reset link read from the captured email, sets a new password and signs in
 * with it; the old password no longer works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/harness.js';
import { resetLinkIn, startMailbox, type CapturedMail, type Mailbox } from '../helpers/reset-mailbox.js';
import { chromiumSkipReason, chromiumSuite } from './chromium.js';
import { assertFlash, pathOf, signInHere, submit } from './pages.js';

const PASSWORD = 'a passphrase long enough for minibank';
const NEW_PASSWORD = 'lantern orchard bicycle 5521 meadow';
const ADDRESS = 'alice@example.com';

/** Waits (by polls, not by time) for a mail to `ADDRESS` whose subject matches, and returns it. */
async function mailTo(mailbox: Mailbox, subject: RegExp): Promise<CapturedMail> {
  await waitFor(`an email "${subject.source}"`, () => mailbox.to(ADDRESS).some((m) => subject.test(m.subject)), { attempts: 600, pauseMs: 50 });
  return mailbox
    .to(ADDRESS)
    .filter((m) => subject.test(m.subject))
    .at(-1)!;
}

describe('forgot password in Chromium', { skip: chromiumSkipReason() }, () => {
  let mailbox: Mailbox | undefined;

  before(async () => {
    mailbox = await startMailbox();
  });
  const suite = chromiumSuite(() => ({ SMTP_URL: mailbox!.url, OUTBOX_POLL_INTERVAL_MS: '50' }));
  after(async () => {
    await mailbox?.close();
  });

  it('asks on /login → Forgot password?, follows the emailed link, sets a new password and signs in with it', async () => {
    const origin = suite.server.origin;
    const api = async (path: string, body: object, token?: string) =>
      fetch(`${origin}/api/v1${path}`, {
        method: path === '/me/email' ? 'PUT' : 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    assert.equal((await api('/signup', { username: 'alice', password: PASSWORD })).status, 201);
    const { access_token: token } = (await (await api('/auth/token', { username: 'alice', password: PASSWORD })).json()) as { access_token: string };
    assert.equal((await api('/me/email', { email: ADDRESS }, token)).status, 202);
    const confirmation = await mailTo(mailbox!, /confirm/i);
    const confirmToken = /[?&]token=([A-Za-z0-9_-]+)/.exec(confirmation.text)?.[1];
    assert.ok(confirmToken, confirmation.text);
    assert.equal((await api('/me/email/confirm', { token: confirmToken }, token)).status, 204);

    const page = await suite.newPage();
    try {
      await page.goto(`${origin}/login`);
      await submit(page, page.getByTestId('forgot-password-link'));
      assert.equal(pathOf(page), '/forgot-password');
      await page.fill('#identifier', 'alice');
      await submit(page, page.getByTestId('forgot-password-submit'));
      assert.equal(pathOf(page), '/forgot-password/sent');
      assert.match((await page.getByTestId('reset-asked').textContent()) ?? '', /If the account exists/);

      const link = resetLinkIn(await mailTo(mailbox!, /reset your password/));
      assert.equal(link.origin, origin, 'the link starts with the public address');
      await page.goto(link.href);
      assert.equal(await page.getByTestId('reset-username').textContent(), 'alice');
      await page.fill('#password', NEW_PASSWORD);
      await submit(page, page.getByTestId('reset-password-submit'));
      assert.equal(pathOf(page), '/login');
      await assertFlash(page, /Your password was changed/);

      await signInHere(page, 'alice', PASSWORD);
      assert.equal(pathOf(page), '/login', 'the old password is refused');
      await signInHere(page, 'alice', NEW_PASSWORD);
      assert.equal(pathOf(page), '/dashboard');
      assert.equal((await fetch(`${origin}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status, 401, 'the old API token ended');

      await page.goto(link.href);
      assert.equal(await page.getByTestId('reset-link-invalid').isVisible(), true, 'the link works once');
    } finally {
      await page.context().close();
    }
  });
});
