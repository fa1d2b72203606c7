/**
 * Issue 13 item 4 on the web: a transfer of at least STEP_UP_MINOR by a user with a second factor is
 * confirmed on the review step with a fresh code (works without JavaScript) or, for a user with
 * passkeys, with a passkey. Without a valid one it is refused with a friendly message beside the
 * field and nothing moves; a smaller transfer asks for nothing; a replay of a finished key moves
 * nothing and needs no second code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialects, ledgerSnapshot, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { signedIn, type Browser } from './browser.js';

const PUBLIC_URL = 'http://bank.test';
const STEP_UP = 5000;

/** Fills the transfer form and opens its review page; returns the fields to confirm with and the page. */
async function review(browser: Browser, to: string, amount: string) {
  await browser.get('/transfer');
  const fields = { to, amount, memo: '', idempotency_key: browser.formKey() };
  const posted = await browser.post('/transfer', fields);
  assert.equal(posted.status, 303, posted.body.slice(0, 300));
  const page = await browser.get(posted.location ?? '');
  assert.equal(page.status, 200);
  return { fields: { ...fields, step: 'confirm' }, page };
}

/** Adds a passkey for the signed-in browser through /settings (the password, and `otp` when TOTP is on). */
async function addPasskey(browser: Browser, otp = ''): Promise<SoftAuthenticator> {
  const auth = new SoftAuthenticator('bank.test', PUBLIC_URL);
  await browser.get('/settings');
  const opts = await browser.post('/settings/passkeys/options', { current_password: PASSWORD, otp });
  assert.equal(opts.status, 200, opts.body);
  const done = await browser.post('/settings/passkeys', { passkey_name: 'Phone', credential: JSON.stringify(auth.register(JSON.parse(opts.body).options)) });
  assert.equal(done.status, 303);
  return auth;
}

/** The review page's challenge for a passkey step-up. */
async function stepUpChallenge(browser: Browser): Promise<string> {
  const res = await browser.post('/step-up/passkey/options', {});
  assert.equal(res.status, 200, res.body);
  const options = JSON.parse(res.body).options;
  assert.equal(options.userVerification, 'required');
  return options.challenge as string;
}

const events = async (h: Harness, userId: string, type: string) =>
  (await h.app.ctx.storage.db.selectFrom('security_events').select('details').where('user_id', '=', userId).where('type', '=', type).execute()).map(
    (e) => e.details ?? '',
  );

for (const dialect of await dialects()) {
  describe(`step-up on the transfer review step (${dialect})`, () => {
    it('asks a TOTP user for a code on a large transfer, refuses none, a wrong one and a replayed one with nothing moved, and sends with a fresh one', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: STEP_UP } }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        const bob = await h.user('bob');
        await h.deposit(user, 20_000);
        const { secret } = await enrolTotp(h, user, clock);
        clock.advanceSteps(1);

        const { fields, page } = await review(browser, 'bob', '60.00');
        assert.match(page.body, /name="mfa_code"/, 'the review step asks for a code');
        assert.doesNotMatch(page.body, /data-passkey-step-up/, 'no passkey button without a passkey');
        const before = await ledgerSnapshot(h.app);

        const none = await browser.post('/transfer', fields);
        assert.equal(none.status, 403);
        assert.match(none.body, /id="mfa_code-error"/);
        assert.match(none.body, /fresh code from your authenticator app/);
        assert.match(none.body, /id="transfer-confirm-form"/, 'still the review step');
        const wrong = await browser.post('/transfer', { ...fields, mfa_code: codeAt(secret, clock, 3) });
        assert.equal(wrong.status, 403);
        assert.match(wrong.body, /That code is not right/);
        const old = await browser.post('/transfer', { ...fields, mfa_code: codeAt(secret, clock, -1) });
        assert.equal(old.status, 403, 'the enrolment step was used already: a code of it is a replay');
        assert.equal(await ledgerSnapshot(h.app), before, 'nothing moved');
        assert.equal(await h.balance(bob.accountId), 0n);

        const sent = await browser.post('/transfer', { ...fields, mfa_code: codeAt(secret, clock) });
        assert.equal(sent.status, 303, sent.body.slice(0, 400));
        assert.equal(sent.location, '/dashboard');
        assert.equal(await h.balance(bob.accountId), 6000n);
        const again = await browser.post('/transfer', fields);
        assert.equal(again.status, 303, 'a replay of the finished key needs no second code');
        assert.equal(await h.balance(bob.accountId), 6000n, 'and moves nothing');
        assert.equal((await events(h, user.userId, 'step_up_passed')).length, 1);
      });
    });

    it('asks nothing below STEP_UP_MINOR, and ignores a code sent there', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: STEP_UP } }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        const bob = await h.user('bob');
        await h.deposit(user, 20_000);
        const { secret } = await enrolTotp(h, user, clock);
        clock.advanceSteps(1);
        const { fields, page } = await review(browser, 'bob', '49.99');
        assert.doesNotMatch(page.body, /name="mfa_code"/);
        const sent = await browser.post('/transfer', { ...fields, mfa_code: codeAt(secret, clock) });
        assert.equal(sent.status, 303);
        assert.equal(await h.balance(bob.accountId), 4999n);
        assert.equal((await events(h, user.userId, 'step_up_passed')).length, 0, 'the code was not checked or used up');
      });
    });

    it("confirms with a passkey: the user's own passkey sends; none, another user's, a replayed challenge and a wrong origin are refused with nothing moved", async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: STEP_UP, publicUrl: PUBLIC_URL } }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        const { browser: mallory } = await signedIn(h, 'mallory');
        const bob = await h.user('bob');
        await h.deposit(user, 20_000);
        const mine = await addPasskey(browser);
        const theirs = await addPasskey(mallory);

        const { fields, page } = await review(browser, 'bob', '70.00');
        assert.doesNotMatch(page.body, /name="mfa_code"/, 'a passkey-only user gets no code field');
        assert.match(page.body, /data-passkey-step-up/);
        assert.match(page.body, /id="step-up-passkey-nojs"/, 'and is told the passkey needs JavaScript');
        const before = await ledgerSnapshot(h.app);

        const none = await browser.post('/transfer', fields);
        assert.equal(none.status, 403);
        assert.match(none.body, /id="error-summary"/);
        const stranger = await browser.post('/transfer', { ...fields, credential: JSON.stringify(theirs.assert(await stepUpChallenge(browser))) });
        assert.equal(stranger.status, 403, "another user's passkey is refused");
        assert.match(stranger.body, /Your passkey could not confirm this payment/);
        const elsewhere = await browser.post('/transfer', {
          ...fields,
          credential: JSON.stringify(mine.assert(await stepUpChallenge(browser), { origin: 'http://evil.test' })),
        });
        assert.equal(elsewhere.status, 403, 'a wrong origin is refused');
        assert.equal(await ledgerSnapshot(h.app), before, 'nothing moved');

        const challenge = await stepUpChallenge(browser);
        const answer = JSON.stringify(mine.assert(challenge));
        const cookie = browser.jar.get('webauthn');
        const sent = await browser.post('/transfer', { ...fields, credential: answer });
        assert.equal(sent.status, 303, sent.body.slice(0, 400));
        assert.equal(await h.balance(bob.accountId), 7000n);
        assert.ok((await events(h, user.userId, 'step_up_passed')).some((d) => /"method":"passkey"/.test(d)));

        // The same answer and cookie again, for a new transfer: the challenge was used up.
        const second = await review(browser, 'bob', '70.00');
        browser.jar.set('webauthn', cookie ?? '');
        const replayed = await browser.post('/transfer', { ...second.fields, credential: answer });
        assert.equal(replayed.status, 403, 'a replayed challenge is refused');
        assert.equal(await h.balance(bob.accountId), 7000n);
        assert.ok((await events(h, user.userId, 'passkey_failed')).length >= 2);
      });
    });

    it('offers both ways to a user with TOTP and a passkey, and the options refuse a user without a passkey', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: STEP_UP, publicUrl: PUBLIC_URL } }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        await h.user('bob');
        await h.deposit(user, 20_000);
        const { secret } = await enrolTotp(h, user, clock);
        clock.advanceSteps(1);
        const { page } = await review(browser, 'bob', '60.00');
        const options = await browser.post('/step-up/passkey/options', {});
        assert.equal(options.status, 400, 'no passkey yet');
        assert.match(page.body, /name="mfa_code"/);
        await addPasskey(browser, codeAt(secret, clock));
        const both = await review(browser, 'bob', '60.00');
        assert.match(both.page.body, /name="mfa_code"/);
        assert.match(both.page.body, /data-passkey-step-up/);
        assert.doesNotMatch(both.page.body, /id="step-up-passkey-nojs"/, 'the code works without JavaScript');
      });
    });
  });
}
