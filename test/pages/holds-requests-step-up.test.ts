/**
 * Step-up on the holds page and on paying a request (issue 13 item 4 with issue 14), on every
 * dialect: both ask in the transfer review's way (src/app/web-step-up.ts). A TOTP user gets the code
 * field; a passkey-only user gets no code field (it could never work for them) but "Confirm with a
 * passkey", and their passkey's answer places the hold or pays the request. Refusals change nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, dialects, ledgerSnapshot, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { signedIn, type Browser } from './browser.js';

const PUBLIC_URL = 'http://bank.test';
const STEP_UP = 5000;
const config = { stepUpMinor: STEP_UP, publicUrl: PUBLIC_URL };

/** The ledger, every hold row and every account's held amount: what a refused step-up must leave as it was. */
async function snapshot(h: Harness): Promise<string> {
  const db = h.app.ctx.storage.db;
  const holds = await db.selectFrom('holds').selectAll().orderBy('id').execute();
  const held = await db.selectFrom('accounts').select(['id', 'held']).orderBy('id').execute();
  return (await ledgerSnapshot(h.app)) + JSON.stringify({ holds, held }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Adds a passkey for the signed-in browser through /settings (the password, and `otp` when TOTP is on). */
async function addPasskey(browser: Browser, otp = ''): Promise<SoftAuthenticator> {
  const authenticator = new SoftAuthenticator('bank.test', PUBLIC_URL);
  await browser.get('/settings');
  const opts = await browser.post('/settings/passkeys/options', { current_password: PASSWORD, otp });
  assert.equal(opts.status, 200, opts.body);
  const done = await browser.post('/settings/passkeys', {
    passkey_name: 'Phone',
    credential: JSON.stringify(authenticator.register(JSON.parse(opts.body).options)),
  });
  assert.equal(done.status, 303);
  return authenticator;
}

/** A passkey answer to a fresh step-up challenge of this browser (what static/passkeys.js puts in `credential`). */
async function passkeyAnswer(browser: Browser, authenticator: SoftAuthenticator): Promise<string> {
  const res = await browser.post('/step-up/passkey/options', {});
  assert.equal(res.status, 200, res.body);
  return JSON.stringify(authenticator.assert(JSON.parse(res.body).options.challenge as string));
}

const heldBy = async (h: Harness, accountId: string) =>
  BigInt((await h.app.ctx.storage.db.selectFrom('accounts').select('held').where('id', '=', accountId).executeTakeFirstOrThrow()).held);

/** The hold form as the page sends it, each with a new form key (as a fresh page would carry). */
const holdForm = (amount: string) => ({ to: 'bob', amount, memo: '', expires_in: '86400', idempotency_key: crypto.randomUUID() });

for (const dialect of await dialects()) {
  describe(`step-up on /holds (${dialect})`, () => {
    it('asks a TOTP user for a code on a large hold: none or a wrong one is refused beside the field with nothing reserved; a fresh one holds', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        await h.user('bob');
        await h.deposit(user, 20_000);
        const { secret } = await enrolTotp(h, user, clock);
        clock.advanceSteps(1);
        const page = await browser.get('/holds');
        assert.match(page.body, /name="mfa_code"/);
        assert.doesNotMatch(page.body, /data-passkey-step-up/, 'no passkey button without a passkey');
        const form = holdForm('60.00');
        const before = await snapshot(h);
        const none = await browser.post('/holds', form);
        assert.equal(none.status, 403);
        assert.match(none.body, /id="mfa_code-error"/);
        const wrong = await browser.post('/holds', { ...holdForm('60.00'), mfa_code: codeAt(secret, clock, 3) });
        assert.equal(wrong.status, 403);
        assert.match(wrong.body, /That code is not right/);
        assert.equal(await snapshot(h), before, 'nothing reserved');
        const held = await browser.post('/holds', { ...holdForm('60.00'), mfa_code: codeAt(secret, clock) });
        assert.equal(held.status, 303, held.body.slice(0, 400));
        assert.equal(await heldBy(h, user.accountId), 6000n);
      });
    });

    it("offers a passkey-only user no code field but the passkey: without an answer or with another user's it refuses, reserving nothing; their own holds", async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        const { browser: mallory } = await signedIn(h, 'mallory');
        await h.user('bob');
        await h.deposit(user, 20_000);
        const mine = await addPasskey(browser);
        const theirs = await addPasskey(mallory);
        const page = await browser.get('/holds');
        assert.doesNotMatch(page.body, /name="mfa_code"/, 'a code field could never work for her');
        assert.match(
          page.body,
          /<form method="post" action="\/holds" class="card form" id="hold-form"[\s\S]*data-passkey-step-up[\s\S]*<\/form>/,
          'the passkey box is inside the hold form',
        );
        assert.match(page.body, /id="step-up-passkey-nojs"[^>]*>A large amount needs your passkey, which needs JavaScript/);
        const small = await browser.post('/holds', holdForm('49.99'));
        assert.equal(small.status, 303, 'below STEP_UP_MINOR nothing is asked');
        const before = await snapshot(h);
        const none = await browser.post('/holds', holdForm('60.00'));
        assert.equal(none.status, 403);
        assert.match(none.body, /id="error-summary"/);
        assert.match(none.body, /needs you to confirm with your passkey/);
        assert.doesNotMatch(none.body, /authenticator app/, 'she is not asked for a code she cannot have');
        const stranger = await browser.post('/holds', { ...holdForm('60.00'), credential: JSON.stringify(theirs.assert('AAAA')) });
        assert.equal(stranger.status, 403, "another user's passkey is refused");
        const strangerFresh = await browser.post('/holds', { ...holdForm('60.00'), credential: await passkeyAnswer(browser, theirs) });
        assert.equal(strangerFresh.status, 403);
        assert.match(strangerFresh.body, /Your passkey could not confirm this payment/);
        assert.equal(await snapshot(h), before, 'nothing reserved');
        const held = await browser.post('/holds', { ...holdForm('60.00'), credential: await passkeyAnswer(browser, mine) });
        assert.equal(held.status, 303, held.body.slice(0, 400));
        assert.equal(await heldBy(h, user.accountId), 4999n + 6000n);
        const passed = await h.app.ctx.storage.db
          .selectFrom('security_events')
          .select('details')
          .where('user_id', '=', user.userId)
          .where('type', '=', 'step_up_passed')
          .execute();
        assert.ok(passed.some((e) => /"method":"passkey"/.test(e.details ?? '')));
      });
    });
  });

  describe(`step-up on paying a request (${dialect})`, () => {
    it('offers a passkey-only payer the passkey on the review, refuses a payment without it with nothing moved, and pays with it once', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config }, async (h) => {
        const alice = await h.user('alice');
        const { browser: bob, user: bobUser } = await signedIn(h, 'bob');
        await h.deposit(bobUser, 20_000);
        const key = await addPasskey(bob);
        const asked = await h.inject({
          method: 'POST',
          url: '/api/v1/payment-requests',
          headers: auth(alice),
          payload: { to_account_id: alice.accountId, from: 'bob', amount: 7_000 },
        });
        assert.equal(asked.statusCode, 201, asked.body);
        const id = asked.json().id as string;
        const review = await bob.get(`/requests/${id}/pay`);
        assert.equal(review.status, 200);
        assert.doesNotMatch(review.body, /name="mfa_code"/, 'no code field for a passkey-only payer');
        assert.match(review.body, /data-passkey-step-up/);
        assert.match(review.body, /id="step-up-passkey-nojs"/);
        const form = { idempotency_key: bob.formKey(), step: 'confirm', account: bobUser.accountId };
        const before = await snapshot(h);
        const refused = await bob.post(`/requests/${id}/pay`, form);
        assert.equal(refused.status, 403);
        assert.match(refused.body, /needs you to confirm with your passkey/);
        assert.equal(await snapshot(h), before, 'nothing moved');
        const paid = await bob.post(`/requests/${id}/pay`, { ...form, credential: await passkeyAnswer(bob, key) });
        assert.equal(paid.status, 303, paid.body.slice(0, 300));
        assert.equal(await h.balance(alice.accountId), 7_000n);
        const again = await bob.post(`/requests/${id}/pay`, form);
        assert.equal(again.status, 303, 'a replay of the finished key needs no second proof');
        assert.equal(await h.balance(alice.accountId), 7_000n, 'and pays nothing more');
      });
    });

    it('offers a payer with TOTP and a passkey both ways on the review', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config }, async (h) => {
        const alice = await h.user('alice');
        const { browser: bob, user: bobUser } = await signedIn(h, 'bob');
        await h.deposit(bobUser, 20_000);
        const { secret } = await enrolTotp(h, bobUser, clock);
        clock.advanceSteps(1);
        await addPasskey(bob, codeAt(secret, clock));
        const asked = await h.inject({
          method: 'POST',
          url: '/api/v1/payment-requests',
          headers: auth(alice),
          payload: { to_account_id: alice.accountId, from: 'bob', amount: 7_000 },
        });
        const review = await bob.get(`/requests/${asked.json().id}/pay`);
        assert.match(review.body, /name="mfa_code"/);
        assert.match(review.body, /data-passkey-step-up/);
        assert.doesNotMatch(review.body, /id="step-up-passkey-nojs"/, 'the code works without JavaScript');
      });
    });
  });
}
