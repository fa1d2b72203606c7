/**
 * Issue 11 class 1: credentials that outlive a password change. A session or API token is issued
 * only against the password generation its password check read, and any credential of an older
 * generation is dead. Each race is staged with a gate on the hasher (test/helpers/gate.ts), never
 * with sleeps: one request is held inside its slow hash while the other one completes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BAD_CREDENTIALS_MESSAGE } from '../../src/app/sign-in.js';
import { gateNextCall } from '../helpers/gate.js';
import { auth, dialects, PASSWORD, type Harness, withHarness } from '../helpers/harness.js';
import { Browser, signedIn, STRONG_NEW_PASSWORD } from '../pages/browser.js';

const tokenLogin = (h: Harness, username: string, password: string) => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username, password } });
const me = (h: Harness, token: string) => h.inject({ method: 'GET', url: '/api/v1/me', headers: auth({ token }) });
const countRows = async (h: Harness, table: 'api_tokens' | 'sessions', userId: string) =>
  Number(
    (
      await h.app.ctx.storage.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow()
    ).n,
  );

async function changePasswordOnPage(browser: Browser) {
  await browser.get('/settings');
  return browser.post('/settings/password', { current_password: PASSWORD, new_password: STRONG_NEW_PASSWORD });
}

for (const dialect of await dialects()) {
  describe(`credentials and password changes (${dialect})`, () => {
    it('a token got with the old password while the change is still hashing stops answering GET /me once the change commits', async () => {
      await withHarness(dialect, async (h) => {
        const { browser } = await signedIn(h, 'alice');
        // The change is held in its slow hash of the new password, before its transaction.
        const gate = gateNextCall(h.app.ctx.passwords, 'hash');
        const change = changePasswordOnPage(browser);
        await gate.entered;
        const login = await tokenLogin(h, 'alice', PASSWORD);
        assert.equal(login.statusCode, 200, 'the old password is still the password: a token is issued');
        const token = login.json().access_token as string;
        assert.equal((await me(h, token)).statusCode, 200);
        gate.release();
        assert.equal((await change).status, 303);
        const after = await me(h, token);
        assert.equal(after.statusCode, 401, 'issued before the change committed: dead after it');
        assert.equal(after.json().error.code, 'unauthenticated');
        assert.equal((await tokenLogin(h, 'alice', STRONG_NEW_PASSWORD)).statusCode, 200, 'the new password signs in');
      });
    });

    it('refuses a token whose old-password check was in flight while the change committed: 401, the bad-credentials answer (the issue example)', async () => {
      await withHarness(dialect, async (h) => {
        const { browser, user } = await signedIn(h, 'bob');
        const tokensBefore = await countRows(h, 'api_tokens', user.userId);
        // The token login is held inside its verification of the (still correct) old password.
        const gate = gateNextCall(h.app.ctx.passwords, 'verify');
        const login = tokenLogin(h, 'bob', PASSWORD);
        await gate.entered;
        assert.equal((await changePasswordOnPage(browser)).status, 303);
        gate.release();
        const res = await login;
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().error.message, BAD_CREDENTIALS_MESSAGE);
        assert.equal(await countRows(h, 'api_tokens', user.userId), tokensBefore, 'no token row was written');
      });
    });

    it('refuses a web sign-in whose password check straddles the change, and stores no session', async () => {
      await withHarness(dialect, async (h) => {
        const { browser, user } = await signedIn(h, 'carol');
        const sessionsBefore = await countRows(h, 'sessions', user.userId);
        const late = new Browser(h.app);
        await late.get('/login');
        const gate = gateNextCall(h.app.ctx.passwords, 'verify');
        const signIn = late.post('/login', { username: 'carol', password: PASSWORD });
        await gate.entered;
        assert.equal((await changePasswordOnPage(browser)).status, 303);
        gate.release();
        const res = await signIn;
        assert.equal(res.status, 401);
        assert.ok(res.body.includes(BAD_CREDENTIALS_MESSAGE.replace("'", '&#39;')) || res.body.includes(BAD_CREDENTIALS_MESSAGE));
        assert.equal((await late.get('/dashboard')).status, 303, 'not signed in');
        assert.equal(await countRows(h, 'sessions', user.userId), sessionsBefore, 'only the changing browser holds a session');
        assert.equal((await browser.get('/dashboard')).status, 200, 'the browser that changed the password stays signed in');
      });
    });

    it('ends a web session started with the old password while the change is in flight', async () => {
      await withHarness(dialect, async (h) => {
        const { browser } = await signedIn(h, 'dave');
        const gate = gateNextCall(h.app.ctx.passwords, 'hash');
        const change = changePasswordOnPage(browser);
        await gate.entered;
        const early = new Browser(h.app);
        await early.get('/login');
        assert.equal((await early.post('/login', { username: 'dave', password: PASSWORD })).status, 303);
        assert.equal((await early.get('/dashboard')).status, 200);
        gate.release();
        assert.equal((await change).status, 303);
        assert.equal((await early.get('/dashboard')).status, 303, 'sent to sign in again');
        assert.equal((await browser.get('/dashboard')).status, 200);
      });
    });

    it('treats every session and token of an older password generation as dead, even if its row survived', async () => {
      await withHarness(dialect, async (h) => {
        const { browser, user } = await signedIn(h, 'erin');
        assert.equal((await me(h, user.token)).statusCode, 200);
        // A change committed elsewhere (another instance) whose deletes missed these rows.
        await h.app.ctx.storage.db
          .updateTable('users')
          .set((eb) => ({ password_generation: eb('password_generation', '+', 1n) }))
          .where('id', '=', user.userId)
          .execute();
        assert.equal(await countRows(h, 'api_tokens', user.userId), 1);
        assert.ok((await countRows(h, 'sessions', user.userId)) >= 1);
        assert.equal((await me(h, user.token)).statusCode, 401, 'the token is dead');
        assert.equal((await browser.get('/dashboard')).status, 303, 'the session is dead');
        // A fresh sign-in reads the current generation and works.
        assert.equal((await tokenLogin(h, 'erin', PASSWORD)).statusCode, 200);
      });
    });

    it('keeps tokens and sessions from before the change dead, and the changing session alive', async () => {
      await withHarness(dialect, async (h) => {
        const { browser, user } = await signedIn(h, 'frank');
        const second = await tokenLogin(h, 'frank', PASSWORD);
        const other = new Browser(h.app);
        await other.get('/login');
        await other.post('/login', { username: 'frank', password: PASSWORD });
        assert.equal((await changePasswordOnPage(browser)).status, 303);
        assert.equal((await me(h, user.token)).statusCode, 401);
        assert.equal((await me(h, second.json().access_token)).statusCode, 401);
        assert.equal((await other.get('/dashboard')).status, 303);
        assert.equal((await browser.get('/dashboard')).status, 200);
        const row = await h.app.ctx.storage.db.selectFrom('users').select('password_generation').where('id', '=', user.userId).executeTakeFirstOrThrow();
        assert.equal(BigInt(row.password_generation), 1n, 'one change, one new generation');
      });
    });

    it('of two password changes racing from two browsers, exactly one wins', async () => {
      await withHarness(dialect, async (h) => {
        const { browser } = await signedIn(h, 'gina');
        const other = new Browser(h.app);
        await other.get('/login');
        await other.post('/login', { username: 'gina', password: PASSWORD });
        await other.get('/settings');
        const gate = gateNextCall(h.app.ctx.passwords, 'hash');
        const first = changePasswordOnPage(browser);
        await gate.entered;
        const second = await other.post('/settings/password', { current_password: PASSWORD, new_password: 'another strong one: maple 2291 lantern quay' });
        assert.equal(second.status, 303, 'the second change commits first');
        gate.release();
        const lost = await first;
        assert.equal(lost.status, 400, 'the first change checked a password that is no longer current');
        assert.match(lost.body, /current password is not correct/);
        assert.equal((await tokenLogin(h, 'gina', 'another strong one: maple 2291 lantern quay')).statusCode, 200);
        assert.equal((await tokenLogin(h, 'gina', STRONG_NEW_PASSWORD)).statusCode, 401);
      });
    });

    it('"sign out everywhere else" ends the API tokens too, and keeps this browser signed in', async () => {
      await withHarness(dialect, async (h) => {
        const { browser, user } = await signedIn(h, 'hank');
        const second = (await tokenLogin(h, 'hank', PASSWORD)).json().access_token as string;
        const other = new Browser(h.app);
        await other.get('/login');
        await other.post('/login', { username: 'hank', password: PASSWORD });
        assert.equal((await me(h, user.token)).statusCode, 200);
        await browser.get('/settings');
        assert.equal((await browser.post('/settings/sessions/revoke-others', {})).status, 303);
        assert.equal((await me(h, user.token)).statusCode, 401);
        assert.equal((await me(h, second)).statusCode, 401);
        assert.equal((await other.get('/dashboard')).status, 303);
        const page = await browser.get('/settings');
        assert.equal(page.status, 200);
        assert.match(page.body, /Signed out 1 other session and ended 2 API tokens/);
        const event = await h.app.ctx.storage.db
          .selectFrom('security_events')
          .select('details')
          .where('user_id', '=', user.userId)
          .where('type', '=', 'session_revoked')
          .executeTakeFirstOrThrow();
        assert.deepEqual(JSON.parse(event.details ?? '{}'), { sessions: 1, api_tokens: 2 });
        assert.equal((await tokenLogin(h, 'hank', PASSWORD)).statusCode, 200, 'the password still works for a new token');
      });
    });
  });
}
