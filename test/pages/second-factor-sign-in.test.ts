/**
 * Issue 13: signing in on the web with a second factor. After the right password the browser is
 * only half signed in: it reaches no page and not the API, until a code on /login/second-factor
 * completes the sign-in (single use; ends after too many wrong codes or on expiry); `next` is kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialects, withHarness, PASSWORD, type Harness } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';
import { Browser } from './browser.js';

async function passwordStep(h: Harness, browser: Browser, next?: string) {
  await browser.get(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  void h;
  return browser.post('/login', { username: 'alice', password: PASSWORD, ...(next ? { next } : {}) });
}

for (const dialect of await dialects()) {
  describe(`web sign-in with a second factor (${dialect})`, () => {
    it('asks for a code after the right password, and the half-signed-in browser reaches neither /dashboard nor the API', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { secret } = await enrolTotp(h, await h.user('alice'), clock);
        clock.advanceSteps(1);
        const browser = new Browser(h.app);
        const res = await passwordStep(h, browser, '/transactions');
        assert.equal(res.status, 303);
        assert.equal(res.location, '/login/second-factor');
        const sessions = await h.app.ctx.storage.db.selectFrom('sessions').selectAll().execute();
        assert.equal(sessions.length, 0, 'no session yet');
        const dashboard = await browser.get('/dashboard');
        assert.equal(dashboard.status, 303);
        assert.match(String(dashboard.location), /^\/login\?next=/);
        const api = await browser.get('/api/v1/me');
        assert.equal(api.status, 401, 'the API never reads cookies');
        const page = await browser.get('/login/second-factor');
        assert.equal(page.status, 200);
        assert.match(page.body, /id="second-factor-form"/);
        const done = await browser.post('/login/second-factor', { code: codeAt(secret, clock) });
        assert.equal(done.status, 303);
        assert.equal(done.location, '/transactions', 'next is kept');
        assert.equal((await browser.get('/dashboard')).status, 200);
        const again = await browser.get('/login/second-factor');
        assert.equal(again.status, 303, 'single use: signed in now');
      });
    });

    it('refuses a wrong code with 401 and ends the half sign-in after SECOND_FACTOR_PENDING_TRIES wrong codes', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { secondFactorPendingTries: 2 } }, async (h) => {
        const { secret } = await enrolTotp(h, await h.user('alice'), clock);
        clock.advanceSteps(1);
        const browser = new Browser(h.app);
        await passwordStep(h, browser);
        await browser.get('/login/second-factor');
        const wrong = await browser.post('/login/second-factor', { code: codeAt(secret, clock, 4) });
        assert.equal(wrong.status, 401);
        assert.match(wrong.body, /id="code-error"/);
        const last = await browser.post('/login/second-factor', { code: codeAt(secret, clock, 5) });
        assert.equal(last.status, 303);
        assert.equal(last.location, '/login');
        const late = await browser.post('/login/second-factor', { code: codeAt(secret, clock) });
        assert.equal(late.status, 303, 'the right code no longer helps');
        assert.equal((await h.app.ctx.storage.db.selectFrom('sessions').selectAll().execute()).length, 0);
      });
    });

    it('ends the half sign-in when SECOND_FACTOR_PENDING_MINUTES have passed', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { secondFactorPendingMinutes: 5 } }, async (h) => {
        const { secret } = await enrolTotp(h, await h.user('alice'), clock);
        const browser = new Browser(h.app);
        await passwordStep(h, browser);
        await browser.get('/login/second-factor');
        clock.advanceMs(5 * 60_000 + 1);
        const res = await browser.post('/login/second-factor', { code: codeAt(secret, clock) });
        assert.equal(res.status, 303);
        assert.equal(res.location, '/login');
        assert.equal((await h.app.ctx.storage.db.selectFrom('sessions').selectAll().execute()).length, 0);
      });
    });

    it('accepts a recovery code on the second page', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { recoveryCodes } = await enrolTotp(h, await h.user('alice'), clock);
        const browser = new Browser(h.app);
        await passwordStep(h, browser);
        await browser.get('/login/second-factor');
        const done = await browser.post('/login/second-factor', { code: recoveryCodes[3]! });
        assert.equal(done.status, 303);
        assert.equal(done.location, '/dashboard');
      });
    });
  });
}
