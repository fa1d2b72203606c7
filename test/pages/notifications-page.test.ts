/**
 * The notifications pages (issue 18 item 2), on every dialect: the bell in the navigation counts
 * unread notices (read with the session, no statement of its own), /notifications lists them and
 * marks one or all read by CSRF-checked POSTs answered 303; another user's notice is a 404 with
 * nothing changed; /settings adds an email address whose emailed link opens a confirm page that
 * changes nothing on GET and confirms on POST; per-kind email choices (security kinds stay on) and
 * the "money sent above" threshold, an amount parsed like the money forms' (a malformed one saves
 * nothing), which decides whether a transfer writes a "money sent" notice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { followLedger } from '../../src/app/follow-ledger.js';
import { auth, createHarness, dialects, waitFor, type Harness, type TestUser } from '../helpers/harness.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { signedIn, type Browser } from './browser.js';

const PUBLIC_URL = 'https://bank.example';

const noticeRows = (body: string) =>
  [...body.matchAll(/data-testid="notice" data-notice-id="([^"]+)" data-unread="(true|false)"/g)].map((m) => ({ id: m[1]!, unread: m[2] === 'true' }));
const bellCount = (body: string) => /data-testid="bell-count">(\d+)/.exec(body)?.[1] ?? null;

for (const dialect of await dialects()) {
  describe(`notifications pages (${dialect})`, () => {
    let h: Harness;
    let smtp: SmtpCapture;
    let alice: TestUser;
    let aliceBrowser: Browser;
    let bob: TestUser;
    let bobBrowser: Browser;

    before(async () => {
      smtp = await startSmtpCapture();
      h = await createHarness(dialect, { config: { smtpUrl: smtp.url, publicUrl: PUBLIC_URL, mailFrom: 'bank@example.com', outboxPollIntervalMs: 10 } });
      ({ browser: aliceBrowser, user: alice } = await signedIn(h, 'nalice'));
      ({ browser: bobBrowser, user: bob } = await signedIn(h, 'nbob'));
      await h.deposit(alice, 10_000);
    });
    after(async () => {
      await h.close();
      await smtp.close();
    });

    const transfer = (from: TestUser, to: TestUser, amount: number, key: string) =>
      h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: { ...auth(from), 'idempotency-key': key },
        payload: { from_account_id: from.accountId, to: to.accountNumber, amount },
      });
    const noticesOf = async (user: TestUser) => {
      await followLedger(h.app.ctx);
      return h.app.ctx.storage.db.selectFrom('notifications').select(['id', 'kind', 'read_at']).where('user_id', '=', user.userId).orderBy('seq').execute();
    };

    it('shows the unread count on the bell, lists the notices, and marks one and then all read (POST-redirect-GET)', async () => {
      const before = (await noticesOf(bob)).filter((n) => n.read_at === null).length;
      assert.equal((await transfer(alice, bob, 125, 'bell-1')).statusCode, 201);
      assert.equal((await transfer(alice, bob, 250, 'bell-2')).statusCode, 201);
      await followLedger(h.app.ctx); // the server does this each tick: notices follow the sealed ledger
      const dashboard = await bobBrowser.get('/dashboard');
      assert.equal(bellCount(dashboard.body), String(before + 2));

      const list = await bobBrowser.get('/notifications');
      assert.equal(list.status, 200);
      assert.match(list.body, /You received 2\.50 USD from nalice\./);
      const rows = noticeRows(list.body);
      assert.equal(rows.filter((r) => r.unread).length, before + 2);
      const again = await bobBrowser.get('/notifications');
      assert.equal(noticeRows(again.body).filter((r) => r.unread).length, before + 2, 'a GET marks nothing read');

      const read = await bobBrowser.post(`/notifications/${rows[0]!.id}/read`, {});
      assert.equal(read.status, 303);
      assert.equal(read.location, '/notifications');
      const after = await bobBrowser.get('/notifications');
      assert.equal(noticeRows(after.body).find((r) => r.id === rows[0]!.id)?.unread, false);
      assert.equal(bellCount(after.body), before + 1 === 0 ? null : String(before + 1));

      assert.equal((await bobBrowser.post('/notifications/read-all', {})).status, 303);
      const done = await bobBrowser.get('/notifications');
      assert.equal(bellCount(done.body), null, 'no count once everything is read');
      assert.ok(noticeRows(done.body).every((r) => !r.unread));
    });

    it("refuses another user's notice (404) and a post without its CSRF token (403), changing nothing", async () => {
      assert.equal((await transfer(alice, bob, 5, 'other-1')).statusCode, 201);
      const target = (await noticesOf(bob)).find((n) => n.read_at === null)!;
      await aliceBrowser.get('/notifications');
      assert.equal((await aliceBrowser.post(`/notifications/${target.id}/read`, {})).status, 404);
      assert.equal((await aliceBrowser.post('/notifications/not-an-id/read', {})).status, 404);
      await bobBrowser.get('/notifications');
      assert.equal((await bobBrowser.post(`/notifications/${target.id}/read`, { _csrf: '' })).status, 403);
      assert.equal((await noticesOf(bob)).find((n) => n.id === target.id)?.read_at, null, 'still unread');
    });

    it('adds an email address from /settings; the emailed link opens a page that confirms only on POST', async () => {
      await aliceBrowser.get('/settings');
      const asked = await aliceBrowser.post('/settings/email', { email: 'nalice@example.com' });
      assert.equal(asked.status, 303, asked.body.slice(0, 300));
      await waitFor('the confirmation email', () => smtp.mails.some((m) => (m.text ?? '').includes('/settings/email/confirm?token=')));
      const mail = smtp.mails.find((m) => (m.text ?? '').includes('/settings/email/confirm?token='))!;
      const link = new URL(/https?:\/\/\S+/.exec(mail.text ?? '')![0]);
      assert.equal(link.origin, PUBLIC_URL);
      const me = async () => (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) })).json().email;

      const page = await aliceBrowser.get(link.pathname + link.search);
      assert.equal(page.status, 200);
      assert.match(page.body, /action="\/settings\/email\/confirm"/, "the page posts to the link's own path");
      assert.deepEqual(await me(), { address: 'nalice@example.com', confirmed: false }, 'a GET confirms nothing');

      const confirmed = await aliceBrowser.post(link.pathname, { token: link.searchParams.get('token')! });
      assert.equal(confirmed.status, 303);
      assert.deepEqual(await me(), { address: 'nalice@example.com', confirmed: true });
      const settings = await aliceBrowser.get('/settings');
      assert.match(settings.body, /data-testid="email-confirmed">nalice@example\.com</);

      await aliceBrowser.get(link.pathname + link.search);
      const reused = await aliceBrowser.post(link.pathname, { token: link.searchParams.get('token')! });
      assert.equal(reused.status, 400, 'the link works once');
    });

    it('saves per-kind email choices (security kinds stay on) and the "money sent above" threshold, which decides the notice', async () => {
      await aliceBrowser.get('/settings');
      const bad = await aliceBrowser.post('/settings/notifications', { email_on: 'money_received', sent_threshold: '1,25' });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /id="sent_threshold-error"/);
      const stored = () => h.app.ctx.storage.db.selectFrom('notification_settings').selectAll().where('user_id', '=', alice.userId).executeTakeFirst();
      assert.equal(await stored(), undefined, 'a malformed amount saves nothing');

      await aliceBrowser.get('/settings');
      const saved = await aliceBrowser.post('/settings/notifications', { email_on: 'new_sign_in', sent_threshold: '$ 12.50' });
      assert.equal(saved.status, 303, saved.body.slice(0, 300));
      const row = await stored();
      assert.equal(BigInt(row!.sent_threshold_minor!), 1250n);
      assert.deepEqual(row!.email_off.split(',').sort(), ['money_received', 'money_sent', 'payment_request_received'], 'security kinds cannot be turned off');
      const settings = await aliceBrowser.get('/settings');
      assert.match(settings.body, /name="sent_threshold" type="text" value="12\.50"/);
      assert.match(settings.body, /id="email-on-password_changed"[^>]* checked disabled/);

      const sentNotices = async () => (await noticesOf(alice)).filter((n) => n.kind === 'money_sent').length;
      const before = await sentNotices();
      assert.equal((await transfer(alice, bob, 1249, 'thr-below')).statusCode, 201);
      assert.equal(await sentNotices(), before, 'below the threshold: no notice');
      assert.equal((await transfer(alice, bob, 1250, 'thr-at')).statusCode, 201);
      assert.equal(await sentNotices(), before + 1, 'at the threshold: one notice');
    });
  });
}
