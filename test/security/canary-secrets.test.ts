/**
 * Canary secrets: a whole flow runs with known password, token, cookie and CSRF values, at log level
 * trace, and afterwards none of them appears in the application log, the access log or the audit
 * trail. A leak here is how a log file becomes a key to every account.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, dialects, type Harness } from '../helpers/harness.js';
import { Browser } from '../pages/browser.js';
import { loggedApp, type LoggedApp } from './log-capture.js';

const CANARY_PASSWORD = 'canary-password-7f3a9c horse battery';
const CANARY_NEW_PASSWORD = 'canary-newpass-b81d2e lantern oboe';

for (const dialect of await dialects()) {
  describe(`attack: canary secrets in logs (${dialect})`, () => {
    let h: Harness;
    let logged: LoggedApp;
    before(async () => {
      h = await createHarness(dialect);
      logged = await loggedApp(h);
    });
    after(async () => {
      await logged.close().catch(() => {});
      await h.close();
    });

    it('never writes a password, token, cookie or CSRF value to any log or to the audit trail', async () => {
      const app = logged.app;
      const secrets: string[] = [CANARY_PASSWORD, CANARY_NEW_PASSWORD];
      const signup = await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: 'canary', password: CANARY_PASSWORD } });
      assert.equal(signup.statusCode, 201);
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'canary', password: CANARY_PASSWORD } });
      const token = login.json().access_token as string;
      secrets.push(token, token.split('.')[2]!);
      const bearer = { authorization: `Bearer ${token}` };
      await app.inject({ method: 'POST', url: '/api/v1/deposits', headers: bearer, payload: { account_id: signup.json().account.id, amount: 500 } });
      await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer });
      await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'canary', password: `${CANARY_PASSWORD}-wrong` } });
      await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}x` } });
      await app.inject({ method: 'POST', url: '/api/v1/deposits', headers: bearer, payload: '{"broken json' });

      const browser = new Browser(app);
      await browser.get('/login');
      const csrfAnonymous = browser.csrf();
      await browser.post('/login', { username: 'canary', password: CANARY_PASSWORD });
      await browser.get('/settings');
      const csrf = browser.csrf();
      secrets.push(csrfAnonymous, csrf, ...[...browser.jar.values()]);
      await browser.post('/settings/password', { current_password: CANARY_PASSWORD, new_password: CANARY_NEW_PASSWORD });
      await browser.get('/settings');
      secrets.push(browser.csrf(), ...[...browser.jar.values()]);
      await browser.post('/settings/password', { current_password: 'wrong', new_password: CANARY_PASSWORD, _csrf: 'not-the-token' });
      await browser.post('/logout', {});
      await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer });

      await logged.close();
      const appLog = logged.logText();
      const accessLog = logged.accessLogText();
      const events = JSON.stringify(await h.app.ctx.storage.db.selectFrom('security_events').selectAll().execute(), (_k, v) =>
        typeof v === 'bigint' ? v.toString() : v,
      );
      assert.ok(appLog.length > 1000, 'the flow was logged (at trace level)');
      assert.ok(accessLog.split('\n').length > 10, 'the access log has the flow');
      const distinct = [...new Set(secrets.filter((s) => s.length >= 16))];
      assert.ok(distinct.length >= 7, `enough canaries: ${distinct.length}`);
      for (const secret of distinct) {
        assert.ok(!appLog.includes(secret), `application log holds a secret: ${secret.slice(0, 12)}…`);
        assert.ok(!accessLog.includes(secret), `access log holds a secret: ${secret.slice(0, 12)}…`);
        assert.ok(!events.includes(secret), `audit trail holds a secret: ${secret.slice(0, 12)}…`);
      }
    });
  });
}
