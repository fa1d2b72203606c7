/**
 * Password reset on the web (issue 18 item 4), on both databases: "Forgot password?" on /login, the
 * one answer page, the emailed link's page (a read: nothing changes on GET), CSRF on its form, the
 * code asked for with a second factor, every other browser signed out; support staff issuing a
 * one-time link from the console (reason required, shown once, audited, an hour); and the token in
 * no log line, the access log included.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { passwordResetAsksSettled } from '../../src/app/request-password-reset.js';
import { auth, closingAfter, createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';
import { resetLinkIn, startMailbox, type Mailbox } from '../helpers/reset-mailbox.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';
import { staffBrowser, staffUser } from '../helpers/staff.js';
import { loggedApp } from '../security/log-capture.js';
import { Browser, signedIn, STRONG_NEW_PASSWORD } from './browser.js';

const PUBLIC_URL = 'http://bank.test';

let mailbox: Mailbox;
before(async () => {
  mailbox = await startMailbox();
});
after(async () => mailbox.close());

type Clock = ReturnType<typeof manualClock>;

const bank = (dialect: Parameters<typeof createHarness>[0], clock: Clock) =>
  createHarness(dialect, { clock, config: { smtpUrl: mailbox.url, publicUrl: PUBLIC_URL } });

async function confirmEmail(h: Harness, user: TestUser, address: string): Promise<void> {
  await h.app.ctx.storage.db
    .insertInto('user_emails')
    .values({ user_id: user.userId, address, confirmed_at: BigInt(h.app.ctx.clock.nowMs()), pending_address: null, token_hash: null, token_expires_at: null })
    .execute();
}

/** Asks on /forgot-password in `browser` and returns the path and query of the emailed link. */
async function askOnPage(h: Harness, browser: Browser, identifier: string, address: string | null): Promise<string | null> {
  await browser.get('/forgot-password');
  const asked = await browser.post('/forgot-password', { identifier });
  assert.equal(asked.status, 303);
  assert.equal(asked.location, '/forgot-password/sent');
  await passwordResetAsksSettled(h.app.ctx);
  await h.app.outbox!.runOnce();
  if (address === null) return null;
  const mail = mailbox
    .to(address)
    .filter((m) => m.subject === 'minibank: reset your password')
    .at(-1);
  assert.ok(mail, 'the reset email arrived');
  const link = resetLinkIn(mail);
  assert.equal(link.origin, PUBLIC_URL);
  return link.pathname + link.search;
}

const passwordOf = async (h: Harness, userId: string) =>
  (await h.app.ctx.storage.db.selectFrom('users').select(['password_hash', 'password_generation']).where('id', '=', userId).executeTakeFirstOrThrow())
    .password_hash;

for (const dialect of await dialects()) {
  describe(`password reset pages (${dialect})`, () => {
    it('walks from "Forgot password?" on /login to a new password, signing every other browser out', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const { browser: elsewhere, user } = await signedIn(h, 'alice');
        await confirmEmail(h, user, `alice-${dialect}@example.com`);
        const browser = new Browser(h.app);
        const login = await browser.get('/login');
        assert.match(login.body, /href="\/forgot-password"/);

        const sentPage = await browser.get('/forgot-password/sent');
        const path = await askOnPage(h, browser, 'alice', `alice-${dialect}@example.com`);
        const unknownBrowser = new Browser(h.app);
        await askOnPage(h, unknownBrowser, 'nobody-at-all', null);
        const strip = (body: string) => body.replace(/value="[^"]*"/g, '');
        assert.equal(strip((await unknownBrowser.get('/forgot-password/sent')).body), strip(sentPage.body), 'the same answer page');

        const before = await passwordOf(h, user.userId);
        const form = await browser.get(path!);
        assert.equal(form.status, 200);
        assert.equal(form.headers['referrer-policy'], 'same-origin', 'the link is never sent to another site as a Referer');
        assert.match(form.body, /id="reset-password-form"/);
        assert.doesNotMatch(form.body, /name="code"/, 'no code field without a second factor');
        await browser.get(path!);
        assert.equal(await passwordOf(h, user.userId), before, 'GET changes nothing');

        const token = new URL(path!, PUBLIC_URL).searchParams.get('token')!;
        const forged = await browser.post('/reset-password', { _csrf: '', token, password: STRONG_NEW_PASSWORD });
        assert.equal(forged.status, 403, 'no CSRF token, no change');
        assert.equal(await passwordOf(h, user.userId), before);

        await browser.get(path!);
        const done = await browser.post('/reset-password', { token, password: STRONG_NEW_PASSWORD });
        assert.equal(done.status, 303);
        assert.equal(done.location, '/login');
        assert.match((await browser.get('/login')).body, /Your password was changed/);
        assert.equal((await elsewhere.get('/dashboard')).status, 303, 'the other browser is signed out');
        const signIn = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: STRONG_NEW_PASSWORD } });
        assert.equal(signIn.statusCode, 200);

        const used = await browser.get(path!);
        assert.equal(used.status, 400);
        assert.match(used.body, /data-testid="reset-link-invalid"/);
      });
    });

    it('asks for a code when the account has a second factor, beside the field (401), then resets with it', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const bob = await h.user('bob');
        const { secret } = await enrolTotp(h, bob, clock);
        await confirmEmail(h, bob, `bob-${dialect}@example.com`);
        const browser = new Browser(h.app);
        const path = await askOnPage(h, browser, `bob-${dialect}@example.com`, `bob-${dialect}@example.com`);
        const token = new URL(path!, PUBLIC_URL).searchParams.get('token')!;
        const form = await browser.get(path!);
        assert.match(form.body, /name="code"/);
        const noCode = await browser.post('/reset-password', { token, password: STRONG_NEW_PASSWORD, code: '' });
        assert.equal(noCode.status, 401);
        assert.match(noCode.body, /id="code-error"/);
        clock.advanceSteps(2);
        const done = await browser.post('/reset-password', { token, password: STRONG_NEW_PASSWORD, code: codeAt(secret, clock) });
        assert.equal(done.status, 303);
      });
    });

    it('lets support staff issue a one-time link from the console: reason required, shown once, audited, an hour', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const carol = await h.user('carol');
        const support = await staffUser(h, 'sam', 'support', clock);
        const console = await staffBrowser(h, support, clock);
        const card = await console.get(`/admin/users/${carol.userId}`);
        assert.match(card.body, /id="reset-link-form"/);

        const noReason = await console.post(`/admin/users/${carol.userId}/reset-link`, { reason: '' });
        assert.equal(noReason.status, 400);
        assert.equal((await h.app.ctx.storage.db.selectFrom('password_resets').selectAll().execute()).length, 0);

        await console.get(`/admin/users/${carol.userId}`);
        const issued = await console.post(`/admin/users/${carol.userId}/reset-link`, { reason: 'called back on the number on file' });
        assert.equal(issued.status, 200);
        const link = new URL(/data-testid="reset-link" value="([^"]+)"/.exec(issued.body)![1]!.replace(/&amp;/g, '&'));
        assert.equal(link.origin, PUBLIC_URL);
        const token = link.searchParams.get('token')!;
        assert.ok(!(await console.get(`/admin/users/${carol.userId}`)).body.includes(token), 'shown once: not on the customer page');

        const events = await h.app.ctx.storage.db.selectFrom('security_events').select(['user_id', 'type', 'details']).execute();
        assert.ok(events.some((e) => e.user_id === support.userId && e.type === 'staff_issued_reset_link' && String(e.details).includes('called back')));
        const customer = events.find((e) => e.user_id === carol.userId && e.type === 'reset_link_issued_by_staff');
        assert.ok(customer && String(customer.details).includes('bank staff') && !String(customer.details).includes(support.userId));

        const carolBrowser = new Browser(h.app);
        assert.equal((await carolBrowser.get(link.pathname + link.search)).status, 200);
        assert.equal((await carolBrowser.post('/reset-password', { token, password: STRONG_NEW_PASSWORD })).status, 303);
        assert.equal((await carolBrowser.post('/reset-password', { token, password: 'another long passphrase again' })).status, 400, 'once only');

        const viaApi = async (reason: string) => {
          const res = await h.inject({
            method: 'POST',
            url: `/api/v1/admin/users/${carol.userId}/password-reset`,
            headers: auth(support),
            payload: { reason },
          });
          assert.equal(res.statusCode, 201, res.body);
          const url = new URL(res.json().link as string);
          return url.pathname + url.search;
        };
        const second = await viaApi('second call, verified again');
        const third = await viaApi('third call, verified again');
        assert.equal((await carolBrowser.get(second)).status, 400, 'a newer link ends the older one');
        const own = await h.inject({
          method: 'POST',
          url: `/api/v1/admin/users/${support.userId}/password-reset`,
          headers: auth(support),
          payload: { reason: 'me' },
        });
        assert.equal(own.statusCode, 403, 'never for their own account');
        clock.advanceMs(59 * 60_000);
        assert.equal((await carolBrowser.get(third)).status, 200, 'still good within the hour');
        clock.advanceMs(2 * 60_000);
        assert.equal((await carolBrowser.get(third)).status, 400, 'expired after an hour');
      });
    });

    it('writes the token into no log line: application log and access log', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const dave = await h.user('dave');
        await confirmEmail(h, dave, `dave-${dialect}@example.com`);
        const logged = await loggedApp(h);
        let token = '';
        try {
          const browser = new Browser(logged.app);
          await browser.get('/forgot-password');
          await browser.post('/forgot-password', { identifier: 'dave' });
          await passwordResetAsksSettled(logged.app.ctx);
          await h.app.outbox!.runOnce();
          const mail = mailbox
            .to(`dave-${dialect}@example.com`)
            .filter((m) => m.subject === 'minibank: reset your password')
            .at(-1)!;
          const link = resetLinkIn(mail);
          token = link.searchParams.get('token')!;
          await browser.get(link.pathname + link.search);
          await browser.post('/reset-password', { token, password: 'short' });
          await browser.post('/reset-password', { token, password: STRONG_NEW_PASSWORD });
          await logged.app.inject({ method: 'POST', url: '/api/v1/password-reset/confirm', payload: { token, password: STRONG_NEW_PASSWORD } });
        } finally {
          await logged.close();
        }
        assert.ok(token.length > 20);
        assert.ok(!logged.logText().includes(token), 'not in the application log');
        const access = logged.accessLogText();
        assert.match(access, /GET \/reset-password\?token=\[redacted\] HTTP/);
        assert.ok(!access.includes(token), 'not in the access log');
        const audit = await h.app.ctx.storage.db.selectFrom('security_events').select('details').execute();
        assert.ok(!JSON.stringify(audit).includes(token), 'not in the audit trail');
      });
    });
  });
}
