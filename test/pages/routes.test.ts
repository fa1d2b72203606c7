import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, dialects, ledgerSnapshot, type Harness } from '../helpers/harness.js';
import { Browser, signedIn } from './browser.js';

const SIGNED_IN_PAGES = ['/dashboard', '/deposit', '/withdraw', '/transfer', '/transactions', '/transactions.csv', '/settings'];

for (const dialect of await dialects()) {
  describe(`page routes (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    it('serves the landing page at / and at /index, with sign-up and sign-in links', async () => {
      for (const url of ['/', '/index']) {
        const page = await new Browser(h.app).get(url);
        assert.equal(page.status, 200, url);
        assert.match(String(page.headers['content-type']), /^text\/html; charset=utf-8/);
        assert.match(page.body, /href="\/signup"/);
        assert.match(page.body, /href="\/login"/);
        assert.doesNotMatch(page.body, /id="go-to-dashboard"/);
      }
    });

    it('shows a signed-in visitor of the landing page a link to the dashboard', async () => {
      const { browser } = await signedIn(h, 'landing');
      for (const url of ['/', '/index']) {
        const page = await browser.get(url);
        assert.equal(page.status, 200);
        assert.match(page.body, /id="go-to-dashboard"[^>]*>|href="\/dashboard" id="go-to-dashboard"/);
      }
    });

    it('serves the sign-in and sign-up forms, each with a CSRF token', async () => {
      for (const url of ['/login', '/signup']) {
        const browser = new Browser(h.app);
        const page = await browser.get(url);
        assert.equal(page.status, 200, url);
        assert.ok(browser.csrf().length > 20, `${url} has a CSRF token`);
        assert.match(page.body, /<label for="username">/);
        assert.match(page.body, /<label for="password">/);
      }
    });

    it('redirects every signed-in page to /login with next when signed out', async () => {
      for (const url of SIGNED_IN_PAGES) {
        const page = await new Browser(h.app).get(url);
        assert.equal(page.status, 303, url);
        assert.equal(page.location, `/login?next=${encodeURIComponent(url)}`);
        assert.equal(page.headers['cache-control'], 'no-store');
      }
      const withQuery = await new Browser(h.app).get('/transactions?type=deposit');
      assert.equal(withQuery.location, '/login?next=%2Ftransactions%3Ftype%3Ddeposit');
    });

    it('serves every signed-in page with 200 and Cache-Control: no-store', async () => {
      const { browser } = await signedIn(h, 'pages');
      for (const url of SIGNED_IN_PAGES) {
        const page = await browser.get(url);
        assert.equal(page.status, 200, url);
        assert.equal(page.headers['cache-control'], 'no-store', url);
      }
    });

    it('sends signed-in visitors of /login and /signup on to the dashboard', async () => {
      const { browser } = await signedIn(h, 'already');
      assert.equal((await browser.get('/login')).location, '/dashboard');
      assert.equal((await browser.get('/signup')).location, '/dashboard');
      assert.equal((await browser.get('/login?next=%2Fsettings')).location, '/settings');
    });

    it('answers an unknown page with a friendly HTML 404, and an unknown API path with JSON', async () => {
      const page = await new Browser(h.app).get('/no-such-page');
      assert.equal(page.status, 404);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.body, /Page not found/);
      assert.match(page.body, /data-status="404"/);
      const api = await h.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
      assert.equal(api.statusCode, 404);
      assert.equal(api.json().error.code, 'not_found');
    });

    it('shows a signed-in visitor of an unknown page their own navigation on the 404', async () => {
      const { browser } = await signedIn(h, 'lost');
      const page = await browser.get('/no-such-page');
      assert.equal(page.status, 404);
      assert.match(page.body, /data-testid="signed-in-user"><span class="visually-hidden">Signed in as <\/span>lost</);
      assert.match(page.body, /href="\/dashboard">Back to your dashboard/);
      assert.equal(page.headers['cache-control'], 'no-store');
    });

    it('does not expose logout as a GET: 405 with Allow: POST', async () => {
      const { browser } = await signedIn(h, 'getlogout');
      const page = await browser.get('/logout');
      assert.equal(page.status, 405);
      assert.equal(page.headers.allow, 'POST');
      assert.equal((await browser.get('/dashboard')).status, 200, 'still signed in');
    });

    it('serves the stylesheet and script as static files, cacheable', async () => {
      const css = await h.inject({ method: 'GET', url: '/static/app.css' });
      assert.equal(css.statusCode, 200);
      assert.match(String(css.headers['content-type']), /text\/css/);
      assert.match(String(css.headers['cache-control']), /max-age=3600/);
      const js = await h.inject({ method: 'GET', url: '/static/app.js' });
      assert.equal(js.statusCode, 200);
      assert.equal((await h.inject({ method: 'GET', url: '/static/../config.ts' })).statusCode, 404);
    });

    it('has no inline scripts, inline styles or style attributes on any page', async () => {
      const { browser } = await signedIn(h, 'nostyle');
      for (const url of ['/', '/login', '/signup', ...SIGNED_IN_PAGES.filter((u) => !u.endsWith('.csv')), '/missing']) {
        const page = await (url === '/login' || url === '/signup' ? new Browser(h.app) : browser).get(url);
        assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/i, `${url}: inline script`);
        assert.doesNotMatch(page.body, /<style/i, `${url}: style element`);
        assert.doesNotMatch(page.body, /\sstyle=/i, `${url}: style attribute`);
        assert.doesNotMatch(page.body, /\son[a-z]+=/i, `${url}: inline event handler`);
      }
    });

    it('refuses a page form that is not urlencoded with 415 and changes nothing', async () => {
      const { browser } = await signedIn(h, 'jsonpost');
      await browser.get('/deposit');
      const before = await ledgerSnapshot(h.app);
      const res = await h.inject({
        method: 'POST',
        url: '/deposit',
        headers: { 'content-type': 'application/json', cookie: [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        payload: JSON.stringify({ _csrf: browser.csrf(), amount: '5', idempotency_key: browser.formKey() }),
      });
      assert.equal(res.statusCode, 415);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('still refuses form bodies on the JSON API with 415', async () => {
      const res = await h.inject({
        method: 'POST',
        url: '/api/v1/signup',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'username=x&password=y',
      });
      assert.equal(res.statusCode, 415);
    });

    it('changes nothing on any GET or HEAD of any page', async () => {
      const { browser, user } = await signedIn(h, 'readonly');
      await h.deposit(user, 5000);
      const snapshot = async () => {
        const db = h.app.ctx.storage.db;
        const users = await db.selectFrom('users').select(['id', 'password_hash']).orderBy('id').execute();
        const sessions = await db.selectFrom('sessions').select(['id_hash', 'user_id']).orderBy('id_hash').execute();
        const tokens = await db.selectFrom('api_tokens').select(['jti', 'revoked_at']).orderBy('jti').execute();
        return JSON.stringify({ ledger: await ledgerSnapshot(h.app), users, sessions, tokens }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
      };
      const before = await snapshot();
      const urls = [
        '/',
        '/index',
        '/login',
        '/signup',
        '/logout',
        '/settings/password',
        '/settings/sessions/revoke-others',
        ...SIGNED_IN_PAGES,
        '/deposit?amount=10&idempotency_key=aaaaaaaaaaaaaaaaaaaa',
        '/transfer?to=readonly&amount=1&step=confirm',
      ];
      for (const url of urls) {
        await browser.get(url);
        await h.inject({ method: 'HEAD', url, headers: { cookie: [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      }
      assert.equal(await snapshot(), before);
    });
  });
}
