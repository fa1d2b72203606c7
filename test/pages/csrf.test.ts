import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, dialects, ledgerSnapshot, PASSWORD, type Harness } from '../helpers/harness.js';
import { anotherBrowser, Browser, confirmTransfer, csrfVictim, signedIn } from './browser.js';

for (const dialect of await dialects()) {
  describe(`CSRF protection (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    const victim = (name: string) => csrfVictim(h, name);
    const transferFields = confirmTransfer;

    it('refuses a money form without a token with a 403 page and moves nothing', async () => {
      const { browser } = await victim('notoken');
      const before = await ledgerSnapshot(h.app);
      const res = await browser.post('/transfer', { ...transferFields(browser, 'notoken-thief'), _csrf: '' });
      assert.equal(res.status, 403);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /data-status="403"/);
      assert.match(res.body, /expired or did not come from minibank/);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('refuses a forged or tampered token', async () => {
      const { browser } = await victim('badtoken');
      const before = await ledgerSnapshot(h.app);
      const token = browser.csrf();
      for (const bad of ['x', token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'), 'a'.repeat(500)]) {
        const res = await browser.post('/transfer', { ...transferFields(browser, 'badtoken-thief'), _csrf: bad });
        assert.equal(res.status, 403);
      }
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it("refuses another session's token, from another browser or from this browser's earlier session", async () => {
      const { browser } = await victim('crossed');
      const attacker = await anotherBrowser(h, 'crossed-thief');
      await attacker.get('/transfer');
      const before = await ledgerSnapshot(h.app);
      // The attacker's own valid token, planted in the victim's request.
      const planted = await browser.post('/transfer', { ...transferFields(browser, 'crossed-thief'), _csrf: attacker.csrf() });
      assert.equal(planted.status, 403);
      // The same CSRF secret cookie but a different session: a token from before sign-in again.
      const oldToken = browser.csrf();
      await browser.post('/logout', {});
      await browser.get('/login');
      await browser.post('/login', { username: 'crossed', password: PASSWORD });
      await browser.get('/transfer');
      assert.notEqual(browser.csrf(), oldToken);
      const stale = await browser.post('/transfer', { ...transferFields(browser, 'crossed-thief'), _csrf: oldToken });
      assert.equal(stale.status, 403);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('refuses a post from a foreign Origin even with a valid token', async () => {
      const { browser } = await victim('foreign');
      const before = await ledgerSnapshot(h.app);
      for (const origin of ['https://evil.example', 'http://localhost:4000', 'null']) {
        const res = await browser.post('/transfer', transferFields(browser, 'foreign-thief'), { origin });
        assert.equal(res.status, 403, origin);
      }
      const crossSite = await browser.post('/transfer', transferFields(browser, 'foreign-thief'), { 'sec-fetch-site': 'cross-site' });
      assert.equal(crossSite.status, 403);
      const sameSite = await browser.post('/transfer', transferFields(browser, 'foreign-thief'), { 'sec-fetch-site': 'same-site' });
      assert.equal(sameSite.status, 403);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('accepts the same post from its own origin', async () => {
      const { browser, user } = await victim('ownorigin');
      const res = await browser.post('/transfer', transferFields(browser, 'ownorigin-thief'), {
        origin: 'http://localhost:80',
        host: 'localhost:80',
        'sec-fetch-site': 'same-origin',
      });
      assert.equal(res.status, 303);
      assert.equal(await h.balance(user.accountId), 5000n);
    });

    it('protects sign-in, sign-up, sign-out and settings forms too', async () => {
      const before = await ledgerSnapshot(h.app);
      const stranger = new Browser(h.app);
      await stranger.get('/login');
      assert.equal((await stranger.post('/login', { username: 'notoken', password: PASSWORD, _csrf: '' })).status, 403);
      assert.equal((await stranger.post('/signup', { username: 'csrf-newbie', password: PASSWORD, _csrf: '' })).status, 403);
      assert.equal(stranger.jar.has('session'), false, 'no session was opened');
      assert.equal(await ledgerSnapshot(h.app), before, 'no user was created');

      const { browser } = await signedIn(h, 'formsguard');
      const other = await anotherBrowser(h, 'formsguard');
      await browser.get('/settings');
      const sessionsBefore = await h.app.ctx.storage.db.selectFrom('sessions').select('id_hash').execute();
      for (const [url, fields] of [
        ['/logout', {}],
        ['/settings/sessions/revoke-others', {}],
        ['/settings/password', { current_password: PASSWORD, new_password: 'violet tugboat harmonica 4417 glacier' }],
      ] as const) {
        const res = await browser.post(url, { ...fields, _csrf: '' });
        assert.equal(res.status, 403, url);
        const crossSite = await browser.post(url, fields, { origin: 'https://evil.example' });
        assert.equal(crossSite.status, 403, `${url} cross-site`);
      }
      const sessionsAfter = await h.app.ctx.storage.db.selectFrom('sessions').select('id_hash').execute();
      assert.equal(sessionsAfter.length, sessionsBefore.length);
      assert.equal((await other.get('/dashboard')).status, 200, 'the other session lives');
      assert.equal((await browser.get('/dashboard')).status, 200, 'still signed in');
      await anotherBrowser(h, 'formsguard'); // the password did not change
    });

    it('lets a form posted after the session expired reach the sign-in page, not a CSRF error', async () => {
      const { browser } = await signedIn(h, 'lapsed');
      await browser.get('/deposit');
      await h.app.ctx.storage.db.deleteFrom('sessions').execute();
      const res = await browser.post('/deposit', { amount: '1', idempotency_key: browser.formKey() });
      assert.equal(res.status, 303);
      assert.equal(res.location, '/login?next=%2Fdeposit');
    });
  });
}
