/**
 * Passkeys (issue 13 part B) through the pages, with a software authenticator: adding one from
 * /settings, signing in with it from /login without a username or password, and the attacks: an
 * assertion for another user's credential, a wrong origin, a wrong RP ID, a replayed challenge, a
 * lowered counter, a missing UV flag. Each refusal is 401, signs nobody in and changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth as bearer, dialects, ledgerSnapshot, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';
import { SoftAuthenticator, type CeremonyOverrides } from '../helpers/soft-authenticator.js';
import { Browser, signedIn } from '../pages/browser.js';

const PUBLIC_URL = 'http://bank.test';
const RP_ID = 'bank.test';
const options = { config: { publicUrl: PUBLIC_URL } };

/** Adds a passkey for the signed-in `browser` through /settings; returns the authenticator. */
async function addPasskey(browser: Browser, name = 'Laptop', auth = new SoftAuthenticator(RP_ID, PUBLIC_URL), o: CeremonyOverrides = {}) {
  await browser.get('/settings');
  const opts = await browser.post('/settings/passkeys/options', { current_password: PASSWORD });
  assert.equal(opts.status, 200, opts.body);
  const credential = auth.register(JSON.parse(opts.body).options, o);
  const done = await browser.post('/settings/passkeys', { passkey_name: name, credential: JSON.stringify(credential) });
  return { auth, done };
}

/** Starts a passkey sign-in in a fresh browser; returns it and the challenge to answer. */
async function startSignIn(h: Harness): Promise<{ browser: Browser; challenge: string }> {
  const browser = new Browser(h.app);
  await browser.get('/login');
  const res = await browser.post('/login/passkey/options', {});
  assert.equal(res.status, 200, res.body);
  const body = JSON.parse(res.body);
  assert.equal(body.options.userVerification, 'required');
  assert.equal(body.options.rpId, RP_ID);
  return { browser, challenge: body.options.challenge };
}

const sessionCount = async (h: Harness) =>
  Number(
    (
      await h.app.ctx.storage.db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Asserts a refused sign-in: 401, no session cookie, nothing changed, still signed out. */
async function assertRefused(h: Harness, browser: Browser, credential: Record<string, unknown>, before: { ledger: string; sessions: number }) {
  const res = await browser.post('/login/passkey', { credential: JSON.stringify(credential) });
  assert.equal(res.status, 401, res.body.slice(0, 300));
  assert.match(res.body, /That passkey could not be used/);
  assert.ok(!browser.jar.has('session'), 'no session cookie');
  assert.equal(await sessionCount(h), before.sessions, 'no session stored');
  assert.equal(await ledgerSnapshot(h.app), before.ledger);
  assert.equal((await browser.get('/dashboard')).status, 303, 'still signed out');
}

const snapshot = async (h: Harness) => ({ ledger: await ledgerSnapshot(h.app), sessions: await sessionCount(h) });

for (const dialect of await dialects()) {
  describe(`passkeys (${dialect})`, () => {
    it('adds a named passkey from /settings, lists it, and signs in with it from /login without a username or password', async () => {
      await withHarness(dialect, options, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        const { auth, done } = await addPasskey(browser, 'Work laptop');
        assert.equal(done.status, 303);
        const settings = await browser.get('/settings');
        assert.match(settings.body, /data-testid="passkey-name">Work laptop</);
        assert.match(settings.body, /never used/);
        const row = await h.app.ctx.storage.db.selectFrom('passkeys').selectAll().executeTakeFirstOrThrow();
        assert.equal(row.user_id, user.userId);
        assert.equal(row.device_type, 'multiDevice');
        assert.equal(BigInt(row.backed_up), 1n);
        const me = await h.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(user) });
        assert.deepEqual(me.json().mfa, { totp: false, passkeys: 1 }, 'GET /api/v1/me counts the passkey');

        const { browser: fresh, challenge } = await startSignIn(h);
        const res = await fresh.post('/login/passkey', { credential: JSON.stringify(auth.assert(challenge)), next: '/transactions' });
        assert.equal(res.status, 303, res.body.slice(0, 300));
        assert.equal(res.location, '/transactions');
        const dashboard = await fresh.get('/dashboard');
        assert.equal(dashboard.status, 200);
        assert.match(dashboard.body, /data-testid="signed-in-user"><span class="visually-hidden">Signed in as <\/span>alice</);
        assert.match((await fresh.get('/settings')).body, /last used <time/);
        const events = await h.app.ctx.storage.db.selectFrom('security_events').select(['type', 'details']).where('user_id', '=', user.userId).execute();
        assert.ok(events.some((e) => e.type === 'passkey_added'));
        assert.ok(events.some((e) => e.type === 'login_succeeded' && /"method":"passkey"/.test(e.details ?? '')));
      });
    });

    it('refuses to add a passkey with a wrong password, or one made without user verification', async () => {
      await withHarness(dialect, options, async (h) => {
        const { browser } = await signedIn(h, 'bob');
        await browser.get('/settings');
        const wrong = await browser.post('/settings/passkeys/options', { current_password: 'not the password at all' });
        assert.equal(wrong.status, 400);
        assert.equal(JSON.parse(wrong.body).error.param, 'current_password');
        const { done } = await addPasskey(browser, 'No UV', undefined, { userVerified: false });
        assert.equal(done.status, 303);
        assert.equal((await h.app.ctx.storage.db.selectFrom('passkeys').selectAll().execute()).length, 0, 'nothing stored');
      });
    });

    it("refuses an assertion for another user's credential (signed with another key, or naming another user)", async () => {
      await withHarness(dialect, options, async (h) => {
        const { browser: alice } = await signedIn(h, 'alice');
        const { auth: aliceKey } = await addPasskey(alice);
        const { browser: mallory } = await signedIn(h, 'mallory');
        const { auth: malloryKey } = await addPasskey(mallory);
        const before = await snapshot(h);
        // Mallory's own key signs, but the assertion names Alice's credential id.
        const { browser: b1, challenge: c1 } = await startSignIn(h);
        const forged = malloryKey.assert(c1);
        await assertRefused(h, b1, { ...forged, id: aliceKey.id, rawId: aliceKey.id }, before);
        // Mallory's credential, with Alice's user handle.
        const { browser: b2, challenge: c2 } = await startSignIn(h);
        await assertRefused(h, b2, malloryKey.assert(c2, { userHandle: aliceKey.userHandle }), before);
      });
    });

    it('refuses a wrong origin, a wrong RP ID and a missing UV flag', async () => {
      await withHarness(dialect, options, async (h) => {
        const { browser } = await signedIn(h, 'carol');
        const { auth } = await addPasskey(browser);
        const before = await snapshot(h);
        for (const o of [{ origin: 'http://bank.test.evil.example' }, { rpId: 'evil.example' }, { userVerified: false }, { type: 'webauthn.create' }]) {
          const { browser: b, challenge } = await startSignIn(h);
          await assertRefused(h, b, auth.assert(challenge, o), before);
        }
      });
    });

    it('refuses a replayed challenge: an answer used once, sent again with the same cookie, or with no challenge at all', async () => {
      await withHarness(dialect, options, async (h) => {
        const { browser } = await signedIn(h, 'dave');
        // Counter 0: this authenticator keeps no counter, so only the single-use challenge stops a replay.
        const { auth } = await addPasskey(browser);
        const { browser: first, challenge } = await startSignIn(h);
        const cookie = first.jar.get('webauthn')!;
        const answer = auth.assert(challenge);
        assert.equal((await first.post('/login/passkey', { credential: JSON.stringify(answer) })).status, 303);
        const before = await snapshot(h);
        const replayer = new Browser(h.app);
        await replayer.get('/login');
        replayer.jar.set('webauthn', cookie);
        await assertRefused(h, replayer, answer, before);
        const noChallenge = new Browser(h.app);
        await noChallenge.get('/login');
        await assertRefused(h, noChallenge, answer, before);
      });
    });

    it('refuses a counter that went down (a cloned authenticator) and keeps the stored counter', async () => {
      await withHarness(dialect, options, async (h) => {
        const { browser } = await signedIn(h, 'erin');
        const key = new SoftAuthenticator(RP_ID, PUBLIC_URL);
        key.counter = 5;
        await addPasskey(browser, 'Key', key);
        const { browser: ok, challenge } = await startSignIn(h);
        assert.equal((await ok.post('/login/passkey', { credential: JSON.stringify(key.assert(challenge)) })).status, 303);
        const stored = async () => BigInt((await h.app.ctx.storage.db.selectFrom('passkeys').select('counter').executeTakeFirstOrThrow()).counter);
        assert.equal(await stored(), 6n);
        const before = await snapshot(h);
        for (const counter of [3, 6]) {
          const { browser: b, challenge: c } = await startSignIn(h);
          await assertRefused(h, b, key.assert(c, { counter }), before);
        }
        assert.equal(await stored(), 6n);
      });
    });

    it('removes a passkey (only its owner can), after which it no longer signs in', async () => {
      await withHarness(dialect, options, async (h) => {
        const { browser: alice } = await signedIn(h, 'alice');
        const { auth } = await addPasskey(alice);
        const { browser: bob } = await signedIn(h, 'bob');
        await bob.get('/settings');
        await bob.post('/settings/passkeys/remove', { passkey: auth.id, current_password: PASSWORD });
        assert.equal((await h.app.ctx.storage.db.selectFrom('passkeys').selectAll().execute()).length, 1, "bob cannot remove alice's passkey");
        await alice.get('/settings');
        assert.equal((await alice.post('/settings/passkeys/remove', { passkey: auth.id, current_password: PASSWORD })).status, 303);
        assert.match((await alice.get('/settings')).body, /no passkeys yet/);
        const before = await snapshot(h);
        const { browser: b, challenge } = await startSignIn(h);
        await assertRefused(h, b, auth.assert(challenge), before);
      });
    });
  });
}
