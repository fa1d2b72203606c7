import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashSessionId } from '../../src/app/session-id.js';
import { auth, dialects, PASSWORD, withHarness } from '../helpers/harness.js';
import { anotherBrowser, Browser, HOUR, manualClock, MINUTE, signedIn, STRONG_NEW_PASSWORD } from './browser.js';

const setCookies = (headers: Record<string, unknown>): string[] => {
  const raw = headers['set-cookie'];
  return Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
};

for (const dialect of await dialects()) {
  describe(`web sessions (${dialect})`, () => {
    it('sets an HttpOnly, SameSite=Lax, Path=/ session cookie over plain HTTP, without Secure', async () => {
      await withHarness(dialect, {}, async (h) => {
        await h.user('cookies');
        const browser = new Browser(h.app);
        await browser.get('/login');
        const res = await browser.post('/login', { username: 'cookies', password: PASSWORD });
        const cookie = setCookies(res.headers).find((c) => c.startsWith('session='));
        assert.ok(cookie, 'a session cookie');
        assert.match(cookie, /^session=[A-Za-z0-9_-]{43};/);
        assert.match(cookie, /; HttpOnly/);
        assert.match(cookie, /; SameSite=Lax/);
        assert.match(cookie, /; Path=\//);
        assert.doesNotMatch(cookie, /Secure/);
        const csrfCookie = setCookies((await new Browser(h.app).get('/login')).headers).find((c) => c.startsWith('csrf='));
        assert.match(csrfCookie ?? '', /; HttpOnly.*SameSite=Lax|; SameSite=Lax.*HttpOnly/);
      });
    });

    it('names the cookie __Host-session and marks every cookie Secure when served over HTTPS', async () => {
      await withHarness(dialect, { config: { publicUrl: 'https://bank.example' } }, async (h) => {
        await h.user('secure');
        const browser = new Browser(h.app);
        await browser.get('/login');
        const res = await browser.post('/login', { username: 'secure', password: PASSWORD }, { origin: 'https://bank.example' });
        assert.equal(res.status, 303);
        const cookies = setCookies(res.headers);
        const session = cookies.find((c) => c.startsWith('__Host-session='));
        assert.ok(session);
        assert.match(session, /; Secure/);
        assert.match(session, /; Path=\//);
        assert.doesNotMatch(session, /Domain=/i);
        assert.ok(
          cookies.every((c) => /; Secure/.test(c)),
          'every cookie Secure',
        );
        assert.equal((await browser.get('/dashboard')).status, 200);
        const out = await browser.post('/logout', {}, { origin: 'https://bank.example' });
        assert.ok(setCookies(out.headers).some((c) => /^__Host-session=; Max-Age=0;/.test(c)));
        await browser.get('/login');
        const wrongOrigin = await browser.post('/login', { username: 'secure', password: PASSWORD }, { origin: 'http://bank.example' });
        assert.equal(wrongOrigin.status, 403, 'plain-http origin refused when PUBLIC_URL is https');
      });
    });

    it('stores only the SHA-256 of the session id, with browser and address', async () => {
      await withHarness(dialect, {}, async (h) => {
        const { browser } = await signedIn(
          h,
          'hashed',
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
        );
        const id = browser.jar.get('session')!;
        const rows = await h.app.ctx.storage.db.selectFrom('sessions').selectAll().execute();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.id_hash, hashSessionId(id));
        assert.notEqual(rows[0]!.id_hash, id);
        assert.ok(!JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(id));
        assert.match(rows[0]!.user_agent, /Chrome/);
        assert.equal(rows[0]!.ip, '127.0.0.1');
        const settings = await browser.get('/settings');
        assert.match(settings.body, /Chrome on Windows/);
        assert.match(settings.body, /127\.0\.0\.1/);
      });
    });

    it('issues a new session id at every sign-in and ignores a planted one (no fixation)', async () => {
      await withHarness(dialect, {}, async (h) => {
        await h.user('fixated');
        const browser = new Browser(h.app);
        const planted = 'A'.repeat(43);
        browser.jar.set('session', planted);
        await browser.get('/login');
        await browser.post('/login', { username: 'fixated', password: PASSWORD });
        const first = browser.jar.get('session');
        assert.ok(first && first !== planted);
        const db = h.app.ctx.storage.db;
        assert.equal(await db.selectFrom('sessions').select('id_hash').where('id_hash', '=', hashSessionId(planted)).executeTakeFirst(), undefined);
        // Signing in again from the same browser replaces its session instead of reusing the id.
        await browser.get('/settings');
        assert.equal((await browser.post('/login', { username: 'fixated', password: PASSWORD })).status, 303);
        const second = browser.jar.get('session');
        assert.ok(second && second !== first);
        const rows = await db.selectFrom('sessions').select('id_hash').execute();
        assert.deepEqual(
          rows.map((r) => r.id_hash),
          [hashSessionId(second)],
        );
        const thief = new Browser(h.app);
        thief.jar.set('session', first);
        assert.equal((await thief.get('/dashboard')).status, 303, 'the replaced id is dead');
      });
    });

    it('ends a session after 30 idle minutes, and keeps an active one alive', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { browser } = await signedIn(h, 'idler');
        clock.advance(29 * MINUTE);
        assert.equal((await browser.get('/dashboard')).status, 200);
        clock.advance(29 * MINUTE);
        assert.equal((await browser.get('/dashboard')).status, 200, 'activity moved the idle deadline');
        clock.advance(30 * MINUTE);
        const expired = await browser.get('/dashboard');
        assert.equal(expired.status, 303);
        assert.equal(expired.location, '/login?next=%2Fdashboard');
      });
    });

    it('ends a session 12 hours after sign-in however active it is', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { browser } = await signedIn(h, 'marathon');
        for (let elapsed = 0; elapsed < 11 * HOUR + 45 * MINUTE; elapsed += 15 * MINUTE) {
          clock.advance(15 * MINUTE);
          assert.equal((await browser.get('/dashboard')).status, 200, `at ${elapsed + 15 * MINUTE} ms`);
        }
        clock.advance(15 * MINUTE);
        assert.equal((await browser.get('/dashboard')).status, 303, 'past the absolute lifetime');
      });
    });

    it('takes both timeouts from the configuration', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { sessionIdleMinutes: 5, sessionAbsoluteHours: 1 } }, async (h) => {
        const { browser } = await signedIn(h, 'shortlived');
        clock.advance(4 * MINUTE);
        assert.equal((await browser.get('/dashboard')).status, 200);
        clock.advance(5 * MINUTE);
        assert.equal((await browser.get('/dashboard')).status, 303);
      });
    });

    it('logs out only this browser: Max-Age=0 on the cookie, other sessions live on', async () => {
      await withHarness(dialect, {}, async (h) => {
        const { browser } = await signedIn(h, 'leaver');
        const phone = await anotherBrowser(h, 'leaver', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1');
        await browser.get('/dashboard');
        const out = await browser.post('/logout', {});
        assert.equal(out.status, 303);
        assert.equal(out.location, '/login');
        assert.ok(
          setCookies(out.headers).some((c) => /^session=; Max-Age=0; Path=\//.test(c)),
          setCookies(out.headers).join(' | '),
        );
        assert.equal((await browser.get('/dashboard')).status, 303, 'this browser is out');
        assert.equal((await phone.get('/dashboard')).status, 200, 'the phone is still in');
        const rows = await h.app.ctx.storage.db.selectFrom('sessions').select('id_hash').execute();
        assert.equal(rows.length, 1);
        assert.match((await browser.get('/login')).body, /You have been signed out/);
      });
    });

    it('keeps an old cookie value useless after logout, even if replayed', async () => {
      await withHarness(dialect, {}, async (h) => {
        const { browser } = await signedIn(h, 'replayer');
        const id = browser.jar.get('session')!;
        await browser.get('/dashboard');
        await browser.post('/logout', {});
        const thief = new Browser(h.app);
        thief.jar.set('session', id);
        assert.equal((await thief.get('/dashboard')).status, 303);
      });
    });

    it('lists open sessions and revokes one, or all the others', async () => {
      await withHarness(dialect, {}, async (h) => {
        const { browser } = await signedIn(h, 'juggler');
        const laptop = await anotherBrowser(h, 'juggler', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15');
        const tablet = await anotherBrowser(h, 'juggler', 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36');
        const page = await browser.get('/settings');
        assert.equal([...page.body.matchAll(/data-testid="session-row"/g)].length, 3);
        assert.match(page.body, /Safari on macOS/);
        assert.match(page.body, /Chrome on Android/);
        assert.match(page.body, /data-current="true"/);
        const laptopRow = /<li class="session"[^]*?Safari on macOS[^]*?name="session" value="([^"]+)"/.exec(page.body);
        assert.ok(laptopRow);
        const revoked = await browser.post('/settings/sessions/revoke', { session: laptopRow[1]! });
        assert.equal(revoked.status, 303);
        assert.equal((await laptop.get('/dashboard')).status, 303, 'the laptop is out');
        assert.equal((await tablet.get('/dashboard')).status, 200, 'the tablet is still in');

        await browser.get('/settings');
        const everywhere = await browser.post('/settings/sessions/revoke-others', {});
        assert.equal(everywhere.status, 303);
        assert.equal((await tablet.get('/dashboard')).status, 303);
        const after = await browser.get('/settings');
        assert.equal(after.status, 200);
        assert.match(after.body, /Signed out 1 other session/);
        assert.equal([...after.body.matchAll(/data-testid="session-row"/g)].length, 1);
      });
    });

    it("cannot revoke another user's session", async () => {
      await withHarness(dialect, {}, async (h) => {
        const { browser } = await signedIn(h, 'meddler');
        const { browser: victim } = await signedIn(h, 'target');
        const row = await h.app.ctx.storage.db
          .selectFrom('sessions as s')
          .innerJoin('users as u', 'u.id', 's.user_id')
          .select('s.handle')
          .where('u.username', '=', 'target')
          .executeTakeFirstOrThrow();
        await browser.get('/settings');
        const res = await browser.post('/settings/sessions/revoke', { session: row.handle });
        assert.equal(res.status, 303);
        assert.match((await browser.get('/settings')).body, /already ended/);
        assert.equal((await victim.get('/dashboard')).status, 200);
        for (const junk of ['', 'x\u0000y', 'a'.repeat(5000), "' or 1=1 --"]) {
          await browser.get('/settings');
          const odd = await browser.post('/settings/sessions/revoke', { session: junk });
          assert.equal(odd.status, 303, JSON.stringify(junk.slice(0, 20)));
        }
        assert.equal((await victim.get('/dashboard')).status, 200);
      });
    });

    it('changes the password with the current one, ending other sessions and every API token', async () => {
      await withHarness(dialect, {}, async (h) => {
        const { browser, user } = await signedIn(h, 'rotator');
        const other = await anotherBrowser(h, 'rotator');
        assert.equal((await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(user) })).statusCode, 200);

        await browser.get('/settings');
        const wrong = await browser.post('/settings/password', { current_password: 'not my password at all', new_password: STRONG_NEW_PASSWORD });
        assert.equal(wrong.status, 400);
        assert.match(wrong.body, /id="current_password-error"/);
        const weak = await browser.post('/settings/password', { current_password: PASSWORD, new_password: 'short' });
        assert.equal(weak.status, 400);
        assert.match(weak.body, /id="new_password-error"/);
        assert.equal((await other.get('/dashboard')).status, 200, 'failed attempts end nothing');

        const ok = await browser.post('/settings/password', { current_password: PASSWORD, new_password: STRONG_NEW_PASSWORD });
        assert.equal(ok.status, 303);
        assert.equal(ok.location, '/settings');
        assert.equal((await browser.get('/dashboard')).status, 200, 'this session stays');
        assert.equal((await other.get('/dashboard')).status, 303, 'the other session ended');
        assert.equal((await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(user) })).statusCode, 401, 'API token revoked');
        const oldLogin = new Browser(h.app);
        await oldLogin.get('/login');
        assert.equal((await oldLogin.post('/login', { username: 'rotator', password: PASSWORD })).status, 401);
        await anotherBrowser(h, 'rotator', undefined, STRONG_NEW_PASSWORD);
      });
    });

    it('caps the sessions one user can hold, dropping the oldest', async () => {
      await withHarness(dialect, { config: { sessionsPerUserMax: 2 } }, async (h) => {
        const { browser: first } = await signedIn(h, 'crowd');
        await anotherBrowser(h, 'crowd');
        await anotherBrowser(h, 'crowd');
        const rows = await h.app.ctx.storage.db.selectFrom('sessions').select('id_hash').execute();
        assert.equal(rows.length, 2);
        assert.equal((await first.get('/dashboard')).status, 303, 'the oldest was dropped');
      });
    });
  });
}
