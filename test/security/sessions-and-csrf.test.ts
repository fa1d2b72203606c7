/**
 * Attacks on the web pages' sessions and forms: fixation, a stolen cookie after sign-out or a
 * password change, CSRF (no token, another session's token, a foreign Origin), state changes by GET
 * and open redirects through `next`. Every attack leaves money, users and credentials as they were.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, dialects, PASSWORD, type Harness } from '../helpers/harness.js';
import { Browser, confirmTransfer, csrfVictim, signedIn, STRONG_NEW_PASSWORD } from '../pages/browser.js';
import { unchanged } from './attack-kit.js';

const SESSION_COOKIE = 'session';

for (const dialect of await dialects()) {
  describe(`attack: sessions and forms (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    const victim = (name: string) => csrfVictim(h, name);
    const transferTo = confirmTransfer;

    it('does not promote a session id planted before login (session fixation)', async () => {
      await h.user('fixated');
      const planted = 'A'.repeat(43);
      const browser = new Browser(h.app);
      browser.jar.set(SESSION_COOKIE, planted);
      await browser.get('/login');
      const res = await browser.post('/login', { username: 'fixated', password: PASSWORD });
      assert.equal(res.status, 303);
      assert.notEqual(browser.jar.get(SESSION_COOKIE), planted, 'a fresh session id is issued at login');
      const attacker = new Browser(h.app);
      attacker.jar.set(SESSION_COOKIE, planted);
      const page = await unchanged(h.app, () => attacker.get('/dashboard'));
      assert.equal(page.status, 303, 'the planted id is not signed in');
      assert.match(String(page.location), /^\/login/);
    });

    it('refuses a stolen session cookie after the victim signs out', async () => {
      const { browser } = await victim('signout');
      const stolen = browser.jar.get(SESSION_COOKIE);
      assert.ok(stolen);
      await browser.get('/dashboard');
      await browser.post('/logout', {});
      const thief = new Browser(h.app);
      thief.jar.set(SESSION_COOKIE, stolen);
      const page = await unchanged(h.app, () => thief.get('/transfer'));
      assert.equal(page.status, 303);
      assert.match(String(page.location), /^\/login/);
    });

    it('refuses a stolen session cookie after the victim changes the password elsewhere', async () => {
      const { browser } = await victim('pwchange');
      const thief = new Browser(h.app);
      await thief.get('/login');
      await thief.post('/login', { username: 'pwchange', password: PASSWORD });
      await browser.get('/settings');
      assert.equal((await browser.post('/settings/password', { current_password: PASSWORD, new_password: STRONG_NEW_PASSWORD })).status, 303);
      const page = await unchanged(h.app, () => thief.get('/transfer'));
      assert.equal(page.status, 303, 'the other session ended with the password change');
    });

    it('refuses a money form without a CSRF token (403) and moves nothing', async () => {
      const { browser, thief } = await victim('csrf-none');
      const res = await unchanged(h.app, () => browser.post('/transfer', { ...transferTo(browser, thief), _csrf: '' }));
      assert.equal(res.status, 403);
    });

    it('refuses a money form carrying another session’s CSRF token', async () => {
      const { browser, thief } = await victim('csrf-other');
      const { browser: attacker } = await signedIn(h, 'csrf-attacker');
      await attacker.get('/transfer');
      const res = await unchanged(h.app, () => browser.post('/transfer', { ...transferTo(browser, thief), _csrf: attacker.csrf() }));
      assert.equal(res.status, 403);
    });

    it('refuses a money form posted from a foreign Origin even with a valid token', async () => {
      const { browser, thief } = await victim('csrf-origin');
      const res = await unchanged(h.app, () => browser.post('/transfer', transferTo(browser, thief), { origin: 'https://evil.example' }));
      assert.equal(res.status, 403);
    });

    it('refuses the password change and sign-out-everywhere forms without a valid CSRF token', async () => {
      const { browser } = await victim('csrf-settings');
      await browser.get('/settings');
      const pw = await unchanged(h.app, () =>
        browser.post('/settings/password', { current_password: PASSWORD, new_password: STRONG_NEW_PASSWORD, _csrf: 'forged' }),
      );
      assert.equal(pw.status, 403);
      const others = await unchanged(h.app, () => browser.post('/settings/sessions/revoke-others', { _csrf: '' }));
      assert.equal(others.status, 403);
    });

    it('changes nothing on GET: money, logout and settings URLs with form fields in the query string', async () => {
      const { browser, thief } = await victim('get-state');
      await unchanged(h.app, async () => {
        for (const url of [
          `/transfer?to=${thief}&amount=50&step=confirm`,
          '/deposit?amount=50',
          '/withdraw?amount=50',
          '/logout',
          `/settings/password?current_password=${encodeURIComponent(PASSWORD)}&new_password=${encodeURIComponent(STRONG_NEW_PASSWORD)}`,
          '/settings/sessions/revoke-others',
        ]) {
          const res = await browser.get(url);
          assert.ok([200, 404, 405].includes(res.status), `${url}: ${res.status}`);
        }
      });
      assert.equal((await browser.get('/dashboard')).status, 200, 'still signed in: GET /logout did not sign out');
    });

    it('never redirects off-site through next after login', async () => {
      await h.user('redirected');
      for (const next of [
        '//evil.example/',
        'https://evil.example/',
        '/\\evil.example',
        'javascript:alert(1)',
        '/%2F%2Fevil.example',
        ' //evil.example',
        '\t/\t/evil.example',
        'http:evil.example',
      ]) {
        const browser = new Browser(h.app);
        await browser.get(`/login?next=${encodeURIComponent(next)}`);
        const res = await browser.post('/login', { username: 'redirected', password: PASSWORD, next });
        assert.equal(res.status, 303);
        const location = String(res.location);
        assert.ok(location.startsWith('/') && !location.startsWith('//') && !location.includes('\\'), `next=${JSON.stringify(next)} went to ${location}`);
        assert.ok(!/evil/.test(new URL(location, 'http://bank.test').host), location);
      }
    });
  });
}
