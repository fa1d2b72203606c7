/**
 * Issue 13 "the secret never in any log line": a whole second-factor life runs at log level trace
 * (enrolment through the API and the settings page, sign-ins on the web and the API with TOTP and
 * recovery codes, wrong codes, a step-up with MFA-Code, turning it off), and afterwards neither the
 * TOTP secret, its otpauth URL, any recovery code (as shown or as typed) nor any code sent appears in
 * the application log, the access log or the audit trail.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/http/logger.js';
import { createHarness, closingAfter, dialects, PASSWORD } from '../helpers/harness.js';
import { codeAt, manualClock } from '../helpers/second-factor.js';
import { Browser } from '../pages/browser.js';

/** True when `text` holds `value`; a 6-digit code counts only standing alone (not inside a longer number). */
const holds = (text: string, value: string) =>
  /^[0-9]{6}$/.test(value) ? new RegExp(`(?<![0-9])${value}(?![0-9])`).test(text) : text.toLowerCase().includes(value.toLowerCase());

for (const dialect of await dialects()) {
  describe(`second-factor secrets in logs (${dialect})`, () => {
    it('never writes the TOTP secret, its URL, a recovery code or a code to any log or to the audit trail', async () => {
      const clock = manualClock();
      const h = await createHarness(dialect, { clock, config: { stepUpMinor: 5000 } });
      await closingAfter(h, async () => {
        const chunks: string[] = [];
        const logger = createLogger({ logLevel: 'trace', logPretty: false }, { destination: { write: (s: string) => void chunks.push(s) } });
        const accessLog = path.join(h.dataDir, 'access-second-factor.log');
        const app = await buildApp({ config: { ...h.config, accessLog }, storage: h.app.ctx.storage, logger, clock });
        await app.ready();
        const used: string[] = [];
        const code = (offset = 0) => {
          clock.advanceSteps(1);
          const c = codeAt(secret, clock, offset);
          used.push(c);
          return c;
        };
        let secret = '';
        try {
          const signup = await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: 'carol', password: PASSWORD } });
          await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: 'dave', password: PASSWORD } });
          const login = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'carol', password: PASSWORD } });
          const bearer = { authorization: `Bearer ${login.json().access_token as string}` };
          await h.deposit({ token: login.json().access_token, accountId: signup.json().account.id } as never, 20_000);
          const start = await app.inject({ method: 'POST', url: '/api/v1/me/mfa/totp', headers: bearer, payload: { password: PASSWORD } });
          secret = start.json().secret;
          const url = start.json().otpauth_url as string;
          const confirm = await app.inject({ method: 'POST', url: '/api/v1/me/mfa/totp/confirm', headers: bearer, payload: { otp: code() } });
          const recovery = confirm.json().recovery_codes as string[];
          assert.equal(recovery.length, 10);

          // The web: password, a wrong code, then a right one; another browser with a recovery code typed without dashes.
          const web = new Browser(app);
          await web.get('/login');
          await web.post('/login', { username: 'carol', password: PASSWORD });
          await web.get('/login/second-factor');
          await web.post('/login/second-factor', { code: '000000' });
          assert.equal((await web.post('/login/second-factor', { code: code() })).status, 303);
          const other = new Browser(app);
          await other.get('/login');
          await other.post('/login', { username: 'carol', password: PASSWORD });
          await other.get('/login/second-factor');
          assert.equal((await other.post('/login/second-factor', { code: recovery[0]!.replace(/-/g, '') })).status, 303);
          // The settings page shows a new pending secret (the page may: the log may not).
          await web.get('/settings');
          const again = await web.post('/settings/totp/start', { totp_password: PASSWORD, totp_start_code: code() });
          const pendingPage = await web.follow(again);
          const pending = /data-testid="totp-secret"[^>]*>([A-Z2-7 ]+)</.exec(pendingPage.body)?.[1]?.replace(/\s/g, '');
          assert.ok(pending && pending !== secret, 'the settings page showed a new secret');

          // The API: a recovery code, a TOTP code, a wrong one; a step-up with MFA-Code, a wrong one.
          await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'carol', password: PASSWORD, otp: recovery[1] } });
          await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'carol', password: PASSWORD, otp: code() } });
          await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'carol', password: PASSWORD, otp: recovery[9]!.slice(0, 10) } });
          const transfer = (mfa: string) =>
            app.inject({
              method: 'POST',
              url: '/api/v1/transfers',
              headers: { ...bearer, 'idempotency-key': crypto.randomUUID(), 'mfa-code': mfa },
              payload: { from_account_id: signup.json().account.id, to: 'dave', amount: 6000 },
            });
          assert.equal((await transfer('999999')).statusCode, 403);
          assert.equal((await transfer(code())).statusCode, 201);
          const off = await app.inject({ method: 'DELETE', url: '/api/v1/me/mfa/totp', headers: bearer, payload: { password: PASSWORD, otp: recovery[2] } });
          assert.equal(off.statusCode, 204, off.body);

          await app.close();
          const logs = chunks.join('') + (fs.existsSync(accessLog) ? fs.readFileSync(accessLog, 'utf8') : '');
          const audit = JSON.stringify(await h.app.ctx.storage.db.selectFrom('security_events').selectAll().execute(), (_k, v) =>
            typeof v === 'bigint' ? String(v) : v,
          );
          assert.ok(logs.includes('second_factor_failed'), 'the flow was logged (events reach the log)');
          assert.ok(holds(`x${secret}x`, secret) && holds(`"${used[0]}"`, used[0]!), 'the check finds a value where it is');
          const secrets = [secret, url, encodeURIComponent(url), pending, ...recovery, ...recovery.map((r) => r.replace(/-/g, '')), ...used];
          for (const value of secrets) {
            assert.ok(!holds(logs, value), `a log holds ${value.slice(0, 4)}…`);
            assert.ok(!holds(audit, value), `the audit trail holds ${value.slice(0, 4)}…`);
          }
        } finally {
          await app.close().catch(() => {});
        }
      });
    });
  });
}
