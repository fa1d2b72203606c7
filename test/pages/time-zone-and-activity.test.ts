/**
 * Issue 12 item 8, the pages a person expects: times in the reader's own time zone (a setting, by
 * default what the browser said at sign-up or sign-in, else UTC named), the settings activity list
 * a page at a time, the home page's example balance labelled as one, and a signed-in 404 whose
 * header still offers to sign out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordSecurityEvent } from '../../src/app/security-events.js';
import { createHarness, dialects, PASSWORD, type Harness } from '../helpers/harness.js';
import { Browser, manualClock, signedIn } from './browser.js';

const text = (body: string) => body.replace(/\u00a0|\u202f/g, ' ');
/** Every time of day a page shows (the chart's day labels are whole days, not times). */
const times = (body: string) => [...text(body).matchAll(/<time[^>]*>([^<]*\d:\d\d[^<]*)<\/time>/g)].map((m) => m[1] ?? '');
const storedZone = async (h: Harness, username: string) =>
  (await h.app.ctx.storage.db.selectFrom('users').select('time_zone').where('username', '=', username).executeTakeFirstOrThrow()).time_zone;

for (const dialect of await dialects()) {
  describe(`time zones and the activity list (${dialect})`, () => {
    let h: Harness;
    // 2026-01-15 12:00 UTC: 13:00 in Paris (GMT+1), 21:00 in Tokyo (GMT+9).
    const clock = manualClock();
    before(async () => {
      h = await createHarness(dialect, { clock });
    });
    after(async () => h.close());

    it('shows UTC, named, until a zone is chosen; then every page time is in that zone', async () => {
      const { browser, user } = await signedIn(h, 'parisian');
      await h.deposit(user, 1000);
      const utc = await browser.get('/dashboard');
      assert.ok(times(utc.body).includes('Jan 15, 2026, 12:00 PM UTC'), times(utc.body).join(' | '));
      const settings = await browser.get('/settings');
      assert.match(settings.body, /<option selected>UTC<\/option>/);

      const saved = await browser.post('/settings/time-zone', { time_zone: 'Europe/Paris' });
      assert.equal(saved.status, 303);
      assert.equal(await storedZone(h, 'parisian'), 'Europe/Paris');
      const expected = 'Jan 15, 2026, 1:00 PM GMT+1';
      for (const path of ['/dashboard', '/transactions', '/settings']) {
        const page = await browser.get(path);
        const shown = times(page.body);
        assert.ok(shown.length > 0 && shown.every((t) => t === expected), `${path}: ${shown.join(' | ')}`);
      }
      assert.match((await browser.get('/settings')).body, /<option selected>Europe\/Paris<\/option>/);
      // The CSV stays UTC ISO 8601.
      const csv = await browser.get('/transactions.csv');
      assert.match(csv.body, /\r\n2026-01-15T12:00:00\.000Z,/);
    });

    it('refuses a zone Intl does not know beside the field, and keeps the old one', async () => {
      const { browser } = await signedIn(h, 'typo-zone');
      await browser.get('/settings');
      await browser.post('/settings/time-zone', { time_zone: 'Asia/Tokyo' });
      await browser.get('/settings');
      for (const junk of ['Mars/Olympus_Mons', '', '../../etc', 'Europe/Paris\u0000', 'x'.repeat(200)]) {
        const page = await browser.post('/settings/time-zone', { time_zone: junk });
        assert.equal(page.status, 400, JSON.stringify(junk));
        assert.match(page.body, /id="time_zone-error"/);
        assert.match(page.body, /<a href="#time_zone">/, 'the error summary links to the field');
      }
      assert.equal(await storedZone(h, 'typo-zone'), 'Asia/Tokyo');
    });

    it("adopts the zone the browser tells at sign-up or sign-in, but never over the person's choice", async () => {
      const fresh = new Browser(h.app);
      await fresh.get('/signup');
      assert.match(fresh.lastBody, /name="time_zone" value="" data-browser-time-zone/);
      assert.equal((await fresh.post('/signup', { username: 'tokyoite', password: PASSWORD, time_zone: 'Asia/Tokyo' })).status, 303);
      assert.equal(await storedZone(h, 'tokyoite'), 'Asia/Tokyo');
      assert.ok(times((await fresh.get('/settings')).body).every((t) => t.endsWith('GMT+9')));

      await h.user('silent');
      const noScript = new Browser(h.app);
      await noScript.get('/login');
      await noScript.post('/login', { username: 'silent', password: PASSWORD, time_zone: '' });
      assert.equal(await storedZone(h, 'silent'), null, 'without JavaScript nothing is stored (pages show UTC)');
      await noScript.get('/login');
      await noScript.post('/login', { username: 'silent', password: PASSWORD, time_zone: 'Not/A_Zone' });
      assert.equal(await storedZone(h, 'silent'), null, 'a junk hint is ignored, not an error');

      const laptop = new Browser(h.app);
      await laptop.get('/login');
      assert.equal((await laptop.post('/login', { username: 'silent', password: PASSWORD, time_zone: 'America/New_York' })).status, 303);
      assert.equal(await storedZone(h, 'silent'), 'America/New_York');
      await laptop.post('/settings/time-zone', { time_zone: (await laptop.get('/settings')) && 'Europe/Lisbon' });
      const travelling = new Browser(h.app);
      await travelling.get('/login');
      await travelling.post('/login', { username: 'silent', password: PASSWORD, time_zone: 'Asia/Tokyo' });
      assert.equal(await storedZone(h, 'silent'), 'Europe/Lisbon', 'a browser elsewhere does not override the chosen zone');
    });

    it('pages the security activity 20 at a time, newest first, with an "Older" link, until the first event', async () => {
      const { browser, user } = await signedIn(h, 'busy');
      for (let i = 0; i < 45; i++) {
        clock.advance(1000);
        await recordSecurityEvent(h.app.ctx, { type: 'token_issued', userId: user.userId, client: { ip: `10.0.0.${i}`, userAgent: null } });
      }
      const ips: string[] = [];
      let url: string | null = '/settings';
      let pages = 0;
      while (url !== null && pages < 10) {
        const page = await browser.get(url);
        assert.equal(page.status, 200);
        const rows = [...page.body.matchAll(/data-testid="security-event"/g)].length;
        ips.push(...[...page.body.matchAll(/IP <span class="mono">(10\.0\.0\.\d+)</g)].map((m) => m[1] ?? ''));
        assert.ok(rows <= 20, `page ${pages} has ${rows} rows`);
        if (pages > 0) assert.match(page.body, /id="activity-newest"/);
        const older = /id="activity-older"/.test(page.body) ? /href="([^"]+)" id="activity-older"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&') : null;
        url = older ?? null;
        pages++;
      }
      // 45 token events + the sign-up + the sign-in.
      assert.equal(pages, 3);
      assert.deepEqual(
        ips,
        Array.from({ length: 45 }, (_, i) => `10.0.0.${44 - i}`),
        'each event once, newest first, none skipped',
      );
    });

    it("labels the home page's balance as an example", async () => {
      const page = await new Browser(h.app).get('/');
      assert.match(page.body, /class="hero-card hero-example" data-testid="example-card"/);
      assert.match(page.body, /data-testid="example-label">Example\b/);
    });

    it('offers sign-out in the header of a signed-in 404, through a page that carries the form', async () => {
      const { browser } = await signedIn(h, 'lost');
      const missing = await browser.get('/no-such-page');
      assert.equal(missing.status, 404);
      assert.match(missing.body, /data-testid="signed-in-user"><span class="visually-hidden">Signed in as <\/span>lost</);
      assert.match(missing.body, /href="\/sign-out"[^>]*data-testid="logout">Sign out</);
      assert.match(missing.body, /Back to your dashboard/);
      const confirm = await browser.get('/sign-out');
      assert.equal(confirm.status, 200);
      const out = await browser.post('/logout', {});
      assert.equal(out.status, 303);
      assert.equal((await browser.get('/dashboard')).status, 303, 'signed out');
      assert.equal((await new Browser(h.app).get('/sign-out')).status, 303, 'signed out visitors are sent to sign in');
    });
  });
}
