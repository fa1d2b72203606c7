/**
 * Round-2 attacks on passkeys (issue 13 items 3-4), on both databases: removing a passkey is a
 * change to the second factor, so it needs the same step-up as adding one (the password, and a
 * TOTP code when TOTP is on). A stolen session alone must not strip a passkey-only user of their
 * second factor and then send a large transfer without one. Nobody removes another user's passkey.
 * Each refusal asserts that the passkeys, the ledger and the sessions are as they were.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth as bearer, dialects, ledgerSnapshot, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { Browser, signedIn, STRONG_NEW_PASSWORD } from '../pages/browser.js';

const PUBLIC_URL = 'http://bank.test';
const RP_ID = 'bank.test';

/** Adds a passkey for the signed-in `browser` through /settings (`otp` when TOTP is on); returns its credential id. */
async function addPasskey(browser: Browser, otp = '', name = 'Laptop'): Promise<string> {
  const key = new SoftAuthenticator(RP_ID, PUBLIC_URL);
  await browser.get('/settings');
  const opts = await browser.post('/settings/passkeys/options', { current_password: PASSWORD, otp });
  assert.equal(opts.status, 200, opts.body);
  const credential = key.register(JSON.parse(opts.body).options);
  const done = await browser.post('/settings/passkeys', { passkey_name: name, credential: JSON.stringify(credential) });
  assert.equal(done.status, 303);
  return credential.id as string;
}

/** The passkeys, the ledger and the sessions as text: a refused removal changes none of them. */
async function snapshot(h: Harness): Promise<string> {
  const db = h.app.ctx.storage.db;
  const passkeys = await db.selectFrom('passkeys').select(['id', 'user_id', 'counter']).orderBy('id').execute();
  const sessions = await db.selectFrom('sessions').select('user_id').orderBy('user_id').execute();
  return JSON.stringify({ passkeys, sessions, ledger: await ledgerSnapshot(h.app) }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

async function remove(browser: Browser, fields: Record<string, string>) {
  await browser.get('/settings');
  return browser.post('/settings/passkeys/remove', fields);
}

for (const dialect of await dialects()) {
  describe(`round 2 attacks: passkeys (${dialect})`, () => {
    it('refuses to remove a passkey-only user’s passkey with the session alone or a wrong password; a large transfer still needs the passkey', async () => {
      await withHarness(dialect, { config: { publicUrl: PUBLIC_URL } }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        const bob = await h.user('bob');
        await h.deposit(user, 500_000);
        const id = await addPasskey(browser);
        const before = await snapshot(h);
        const page = await browser.get('/settings');
        assert.match(page.body, /id="passkey_remove_password"/, 'the removal form asks for the password');

        for (const [why, fields] of [
          ['the session alone', { passkey: id }],
          ['a wrong password', { passkey: id, current_password: 'not my password at all' }],
        ] as const) {
          const res = await remove(browser, fields);
          assert.equal(res.status, 303, why);
          assert.equal(await snapshot(h), before, `${why}: the passkey stays`);
        }
        const flashed = await browser.get('/settings');
        assert.match(flashed.body, /password is not correct/, 'the refusal says why');

        // The second factor is still on: a large transfer on the API is refused, nothing moves.
        const large = await h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: bearer(user),
          payload: { from_account_id: user.accountId, to: bob.username, amount: h.config.stepUpMinor },
        });
        assert.equal(large.statusCode, 403, large.body);
        assert.equal(large.json().error.code, 'step_up_required');
        assert.equal(await snapshot(h), before);

        const res = await remove(browser, { passkey: id, current_password: PASSWORD });
        assert.equal(res.status, 303);
        assert.match((await browser.get('/settings')).body, /no passkeys yet/, 'with the password it goes');
      });
    });

    it('with TOTP on, removing a passkey also needs a current code; nobody removes another user’s passkey, even with their own password', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { publicUrl: PUBLIC_URL } }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        const { secret } = await enrolTotp(h, user, clock);
        clock.advanceSteps(1);
        const id = await addPasskey(browser, codeAt(secret, clock));
        clock.advanceSteps(1);
        const { browser: mallory } = await signedIn(h, 'mallory');
        const before = await snapshot(h);

        await remove(browser, { passkey: id, current_password: PASSWORD });
        assert.equal(await snapshot(h), before, 'the password alone is not enough with TOTP on');
        await remove(browser, { passkey: id, current_password: PASSWORD, otp: codeAt(secret, clock, 5) });
        assert.equal(await snapshot(h), before, 'nor a wrong code');
        await remove(mallory, { passkey: id, current_password: PASSWORD });
        assert.equal(await snapshot(h), before, 'another user’s passkey is not theirs to remove');
        for (const odd of ['\u0000', `${id}\u0000`, 'not base64url!', 'é', 'x'.repeat(1025)]) {
          const res = await remove(browser, { passkey: odd, current_password: PASSWORD, otp: codeAt(secret, clock) });
          assert.equal(res.status, 303, `${JSON.stringify(odd.slice(0, 20))}: a friendly answer, never a 500`);
          assert.equal(await snapshot(h), before);
        }

        clock.advanceSteps(1); // an odd id cut to a well-formed one above may have used this step's code
        await remove(browser, { passkey: id, current_password: PASSWORD, otp: codeAt(secret, clock) });
        assert.equal((await h.app.ctx.storage.db.selectFrom('passkeys').selectAll().execute()).length, 0, 'password and code remove it');
      });
    });

    it('lets a passkey-only user change their password with the current one (no code exists to ask for), and still refuses a wrong current password', async () => {
      await withHarness(dialect, { config: { publicUrl: PUBLIC_URL } }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        await addPasskey(browser);
        const before = await snapshot(h);
        const page = await browser.get('/settings');
        assert.doesNotMatch(page.body, /id="password_code"/, 'the form asks for no code');
        const wrong = await browser.post('/settings/password', { current_password: 'not my password at all', new_password: STRONG_NEW_PASSWORD });
        assert.equal(wrong.status, 400);
        assert.equal(await snapshot(h), before, 'a wrong current password changes nothing');
        await browser.get('/settings');
        const changed = await browser.post('/settings/password', { current_password: PASSWORD, new_password: STRONG_NEW_PASSWORD });
        assert.equal(changed.status, 303, changed.body.match(/class="error-message"[\s\S]{0,200}/)?.[0]);
        const signIn = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: user.username, password: STRONG_NEW_PASSWORD } });
        assert.equal(signIn.json().error.code, 'mfa_required', 'the new password is in force (and the passkey still a second factor)');
      });
    });

    it('refuses passkey names that reorder or hide text (bidi overrides and isolates, C1 controls, line separators), as memos and account names do', async () => {
      await withHarness(dialect, { config: { publicUrl: PUBLIC_URL } }, async (h) => {
        const { browser } = await signedIn(h, 'alice');
        const before = await snapshot(h);
        for (const name of ['Laptop\u202egnp.exe', 'Work\u2067key', 'Phone\u0085', 'Line\u2028break']) {
          await addPasskey(browser, '', name);
          assert.equal(await snapshot(h), before, `${JSON.stringify(name)}: nothing stored`);
          assert.match((await browser.get('/settings')).body, /without line breaks or control characters/, 'the refusal says why');
        }
        await addPasskey(browser, '', 'Laptop – Zoë’s');
        assert.equal(
          (await h.app.ctx.storage.db.selectFrom('passkeys').select('name').executeTakeFirstOrThrow()).name,
          'Laptop – Zoë’s',
          'ordinary Unicode is kept',
        );
      });
    });
  });
}
