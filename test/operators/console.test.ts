/**
 * Issue 15 part A, the console (/admin pages), on both databases: who gets in (customers, staff
 * without a second factor, support on admin pages: 403, nothing changed), a support user freezing
 * an account with a reason (POST-redirect-GET), the reason rule on a form, an admin refused their
 * own role, the staff idle limit, and the customer's own activity naming "bank staff".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, dialects, withHarness, type Harness } from '../helpers/harness.js';
import { manualClock } from '../helpers/second-factor.js';
import { Browser, signedIn } from '../pages/browser.js';
import { grant, operatorSnapshot, staffBrowser, staffUser } from '../helpers/staff.js';

const pages = (h: Harness) =>
  h.app.registeredRoutes
    .filter((r) => /^\/admin(\/|$)/.test(r.url) && r.config?.staff)
    .flatMap((r) => r.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, url: r.url, staff: r.config!.staff })));

async function walk(browser: Browser, h: Harness, target: { userId: string; accountId: string }, only?: 'admin') {
  for (const route of pages(h).filter((r) => only === undefined || r.staff === only)) {
    const url = route.url.replace(':account_id', target.accountId).replace(':user_id', target.userId);
    if (route.method === 'GET') {
      const res = await browser.get(url);
      assert.equal(res.status, 403, `GET ${url}: ${res.status}`);
    } else {
      await browser.get('/settings');
      const res = await browser.post(url, { reason: 'customer called', username: 'alice', role: 'admin' });
      assert.equal(res.status, 403, `POST ${url}: ${res.status}`);
    }
  }
}

for (const dialect of await dialects()) {
  describe(`the operators' console (${dialect})`, () => {
    it('refuses every console page and form to a signed-in customer and to staff without a second factor (403), and nothing changes', async () => {
      await withHarness(dialect, async (h) => {
        const { browser } = await signedIn(h, 'mallory');
        const alice = await h.user('alice');
        assert.ok(pages(h).length >= 8, `only ${pages(h).length} console routes`);
        const before = await operatorSnapshot(h);
        await walk(browser, h, alice);
        assert.equal(await operatorSnapshot(h), before);
        await grant(h, 'mallory', 'support');
        const granted = await operatorSnapshot(h);
        const page = await browser.get('/admin');
        assert.equal(page.status, 403);
        assert.match(page.body, /second factor/);
        await walk(browser, h, alice);
        assert.equal(await operatorSnapshot(h), granted);
      });
    });

    it('lets a support user freeze an account with a reason, and the owner sees it was bank staff', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { browser: aliceBrowser, user: alice } = await signedIn(h, 'alice');
        await h.deposit(alice, 2500);
        const sam = await staffUser(h, 'sam', 'support', clock);
        const browser = await staffBrowser(h, sam, clock);
        const search = await browser.get('/admin?q=ali');
        assert.equal(search.status, 200);
        assert.match(search.body, /data-testid="admin-nav"/);
        assert.doesNotMatch(search.body, /id="admin-nav-roles"/, 'roles are for admins');
        assert.match(search.body, new RegExp(`/admin/users/${alice.userId}`));
        const user = await browser.get(`/admin/users/${alice.userId}`);
        assert.equal(user.status, 200);
        assert.match(user.body, /Signed in/);
        const account = await browser.get(`/admin/accounts/${alice.accountId}`);
        assert.match(account.body, /\$25\.00/);
        const before = await operatorSnapshot(h);
        const empty = await browser.post(`/admin/accounts/${alice.accountId}/freeze`, { reason: '  ' });
        assert.equal(empty.status, 400);
        assert.match(empty.body, /data-testid="admin-error"/);
        assert.equal(await operatorSnapshot(h), before, 'an empty reason changes nothing');
        await browser.get(`/admin/accounts/${alice.accountId}`);
        const done = await browser.post(`/admin/accounts/${alice.accountId}/freeze`, { reason: 'Customer called: card <stolen>' });
        assert.equal(done.status, 303);
        const after = await browser.follow(done);
        assert.match(after.body, /frozen — Customer called: card &lt;stolen&gt;/);
        const settings = await aliceBrowser.get('/settings');
        assert.match(settings.body, /Bank staff froze one of your accounts/);
        assert.doesNotMatch(settings.body, />sam</);
        const tokenStillWorks = await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) });
        assert.equal(tokenStillWorks.json().accounts[0].status, 'frozen');
      });
    });

    it('keeps support out of the admin pages, and refuses an admin their own role while granting to another', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const sam = await staffUser(h, 'sam', 'support', clock);
        const ada = await staffUser(h, 'ada', 'admin', clock);
        const samBrowser = await staffBrowser(h, sam, clock);
        const before = await operatorSnapshot(h);
        await walk(samBrowser, h, alice, 'admin');
        assert.equal(await operatorSnapshot(h), before);
        const adaBrowser = await staffBrowser(h, ada, clock);
        await adaBrowser.get('/admin/roles');
        const beforeOwn = await operatorSnapshot(h);
        const own = await adaBrowser.post('/admin/roles/revoke', { username: 'ada', role: 'admin' });
        assert.equal(own.status, 403);
        assert.match(own.body, /your own roles/);
        assert.equal(await operatorSnapshot(h), beforeOwn);
        const granted = await adaBrowser.follow(adaBrowser.post('/admin/roles/grant', { username: 'alice', role: 'support' }));
        assert.match(granted.body, /Granted support to alice/);
        const rows = await h.app.ctx.storage.db
          .selectFrom('user_roles')
          .select(['user_id', 'role', 'granted_by'])
          .where('user_id', '=', alice.userId)
          .execute();
        assert.deepEqual(rows, [{ user_id: alice.userId, role: 'support', granted_by: ada.userId }]);
      });
    });

    it('signs a staff member out of the console after STAFF_SESSION_IDLE_MINUTES without a request', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { staffSessionIdleMinutes: 5 } }, async (h) => {
        const sam = await staffUser(h, 'sam', 'support', clock);
        const browser = await staffBrowser(h, sam, clock);
        assert.equal((await browser.get('/admin')).status, 200);
        clock.advanceMs(4 * 60_000);
        assert.equal((await browser.get('/admin')).status, 200, 'within the limit');
        clock.advanceMs(6 * 60_000);
        const idle = await browser.get('/admin');
        assert.equal(idle.status, 303);
        assert.match(String(idle.location), /^\/login/);
      });
    });
  });
}
