/**
 * Issue 13 items 2 and 4: the passkey option of the second sign-in page, and what a passkey-only
 * user (no TOTP) meets on POST /api/v1/auth/token. After the right password, a user with a passkey
 * may finish with it: only their own passkeys count, a refused assertion counts like a wrong code,
 * and the half-signed-in state is single use. The API cannot take a passkey: such a user is
 * refused 401 mfa_required, and any otp is 401 unauthenticated (docs/api.md: API use needs TOTP).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialects, ledgerSnapshot, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { Browser, signedIn } from './browser.js';

const PUBLIC_URL = 'http://bank.test';
const config = { publicUrl: PUBLIC_URL, secondFactorPendingTries: 3 };

async function addPasskey(browser: Browser, otp = ''): Promise<SoftAuthenticator> {
  const auth = new SoftAuthenticator('bank.test', PUBLIC_URL);
  await browser.get('/settings');
  const opts = await browser.post('/settings/passkeys/options', { current_password: PASSWORD, otp });
  assert.equal(opts.status, 200, opts.body);
  const done = await browser.post('/settings/passkeys', { passkey_name: 'Phone', credential: JSON.stringify(auth.register(JSON.parse(opts.body).options)) });
  assert.equal(done.status, 303);
  return auth;
}

/** A fresh browser past the password step of `username`, on the second page. */
async function halfSignedIn(username: string, h: Harness, next?: string) {
  const browser = new Browser(h.app);
  await browser.get('/login');
  const res = await browser.post('/login', { username, password: PASSWORD, ...(next ? { next } : {}) });
  assert.equal(res.status, 303);
  assert.equal(res.location, '/login/second-factor');
  const page = await browser.get('/login/second-factor');
  assert.equal(page.status, 200);
  return { browser, page };
}

async function challenge(browser: Browser): Promise<string> {
  const res = await browser.post('/login/second-factor/passkey/options', {});
  assert.equal(res.status, 200, res.body);
  const options = JSON.parse(res.body).options;
  assert.equal(options.userVerification, 'required');
  return options.challenge as string;
}

const sessions = async (h: Harness) => (await h.app.ctx.storage.db.selectFrom('sessions').select('user_id').execute()).length;

for (const dialect of await dialects()) {
  describe(`the passkey option of the second sign-in step (${dialect})`, () => {
    it('signs a passkey-only user in with their own passkey after the password, keeping next; the page offers no code field', async () => {
      await withHarness(dialect, { config }, async (h) => {
        const { browser: first } = await signedIn(h, 'alice');
        const auth = await addPasskey(first);
        const { browser, page } = await halfSignedIn('alice', h, '/transactions');
        assert.doesNotMatch(page.body, /id="second-factor-form"/, 'no code to type: alice has no authenticator app');
        assert.match(page.body, /data-passkey-second-factor/);
        assert.match(page.body, /Now confirm with your passkey/);
        const before = await sessions(h);
        const done = await browser.post('/login/second-factor/passkey', { credential: JSON.stringify(auth.assert(await challenge(browser))) });
        assert.equal(done.status, 303, done.body.slice(0, 300));
        assert.equal(done.location, '/transactions');
        assert.equal(await sessions(h), before + 1);
        assert.equal((await browser.get('/dashboard')).status, 200);
        assert.equal((await browser.get('/login/second-factor')).status, 303, 'single use');
        const events = await h.app.ctx.storage.db.selectFrom('security_events').select('details').where('type', '=', 'login_succeeded').execute();
        assert.ok(events.some((e) => /"second_factor":"passkey"/.test(e.details ?? '')));
      });
    });

    it("refuses another user's passkey, a wrong origin and a replayed challenge, counting each like a wrong code until the half sign-in ends", async () => {
      await withHarness(dialect, { config }, async (h) => {
        const { browser: a } = await signedIn(h, 'alice');
        const { browser: m } = await signedIn(h, 'mallory');
        const mine = await addPasskey(a);
        const theirs = await addPasskey(m);
        const { browser } = await halfSignedIn('alice', h);
        const before = { sessions: await sessions(h), ledger: await ledgerSnapshot(h.app) };

        const stranger = await browser.post('/login/second-factor/passkey', { credential: JSON.stringify(theirs.assert(await challenge(browser))) });
        assert.equal(stranger.status, 401);
        assert.match(stranger.body, /That passkey could not be used/);
        const c = await challenge(browser);
        const cookie = browser.jar.get('webauthn') ?? '';
        const answer = JSON.stringify(mine.assert(c, { origin: 'http://evil.test' }));
        const elsewhere = await browser.post('/login/second-factor/passkey', { credential: answer });
        assert.equal(elsewhere.status, 401, 'a wrong origin is refused');
        browser.jar.set('webauthn', cookie);
        const replayed = await browser.post('/login/second-factor/passkey', { credential: JSON.stringify(mine.assert(c)) });
        assert.equal(replayed.status, 303, 'the third refusal ends the half sign-in');
        assert.equal(replayed.location, '/login');
        assert.equal(await sessions(h), before.sessions, 'nobody signed in');
        assert.equal(await ledgerSnapshot(h.app), before.ledger);
        const late = await browser.post('/login/second-factor/passkey/options', {});
        assert.equal(late.status, 401, 'no challenge once the state is gone');
      });
    });

    it('offers both a code and a passkey to a user with TOTP and a passkey, and a code still works', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config }, async (h) => {
        const { browser: first, user } = await signedIn(h, 'alice');
        const { secret } = await enrolTotp(h, user, clock);
        clock.advanceSteps(1);
        await addPasskey(first, codeAt(secret, clock));
        clock.advanceSteps(1);
        const { browser, page } = await halfSignedIn('alice', h);
        assert.match(page.body, /id="second-factor-form"/);
        assert.match(page.body, /data-passkey-second-factor/);
        const done = await browser.post('/login/second-factor', { code: codeAt(secret, clock) });
        assert.equal(done.status, 303);
        assert.equal(done.location, '/dashboard');
      });
    });

    it('shows no passkey option to a TOTP-only user, and refuses their passkey options', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config }, async (h) => {
        await enrolTotp(h, await h.user('alice'), clock);
        const { browser, page } = await halfSignedIn('alice', h);
        assert.doesNotMatch(page.body, /data-passkey-second-factor/);
        assert.equal((await browser.post('/login/second-factor/passkey/options', {})).status, 401);
      });
    });
  });

  describe(`a passkey-only user on POST /api/v1/auth/token (${dialect})`, () => {
    it('is refused 401 mfa_required with the password alone, saying the API needs an authenticator app, and 401 unauthenticated with any otp', async () => {
      await withHarness(dialect, { config }, async (h) => {
        const { browser } = await signedIn(h, 'alice');
        await addPasskey(browser);
        const tokensBefore = (await h.app.ctx.storage.db.selectFrom('api_tokens').select('jti').execute()).length;
        const bare = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: PASSWORD } });
        assert.equal(bare.statusCode, 401);
        assert.equal(bare.json().error.code, 'mfa_required');
        assert.match(bare.json().error.message, /passkey, which the API cannot use/);
        const guessed = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: PASSWORD, otp: '123456' } });
        assert.equal(guessed.statusCode, 401);
        assert.equal(guessed.json().error.code, 'unauthenticated');
        const wrongPassword = await h.inject({
          method: 'POST',
          url: '/api/v1/auth/token',
          payload: { username: 'alice', password: 'not the password at all' },
        });
        assert.equal(wrongPassword.json().error.code, 'unauthenticated', 'mfa_required only after the right password');
        const tokensAfter = (await h.app.ctx.storage.db.selectFrom('api_tokens').select('jti').execute()).length;
        assert.equal(tokensAfter, tokensBefore, 'no token issued');
      });
    });
  });
}
