/**
 * Round-2 attacks on the second factor (issue 13, contract "Second factor"), on both databases:
 *
 * - a stolen session or token plus the password must not swap in the attacker's authenticator app
 *   (re-enrolling replaces the app: it needs a current code of the app in use, like turning it off);
 * - codes typed by a signed-in user (step-up, turning TOTP off) are throttled like passwords: many
 *   wrong codes at once are not all checked, so a stolen session cannot brute-force 6 digits.
 *
 * Each refusal asserts that nothing changed (the ledger, and the second-factor rows). Time is a
 * manual clock: nothing here depends on how fast the machine is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, dialects, ledgerSnapshot, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';
import { signedIn } from '../pages/browser.js';

/** Rate limits on (the login throttle lives behind them), with route limits far above what a test sends. */
const THROTTLED = { rateLimits: true, rateLimitGlobalPerMinute: 1_000_000, rateLimitAuthPerMinute: 100_000, rateLimitMoneyPerMinute: 100_000 };

/** Everything the second factor keeps for a user, as text, to prove a refusal changed none of it. */
async function secondFactorSnapshot(h: Harness, userId: string): Promise<string> {
  const db = h.app.ctx.storage.db;
  const totp = await db.selectFrom('totp_credentials').selectAll().where('user_id', '=', userId).execute();
  const codes = await db.selectFrom('recovery_codes').selectAll().where('user_id', '=', userId).orderBy('code_hash').execute();
  return JSON.stringify({ totp, codes }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** `count` six-digit codes, none of which is right for `secret` one step either side of now. */
function wrongCodes(secret: string, clock: { nowMs(): number }, count: number): string[] {
  const right = new Set([-1, 0, 1].map((o) => codeAt(secret, clock, o)));
  const codes: string[] = [];
  for (let n = 100_000; codes.length < count; n += 7_919) if (!right.has(String(n))) codes.push(String(n));
  return codes;
}

const token = (h: Harness, body: Record<string, string>) => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: body });

for (const dialect of await dialects()) {
  describe(`round 2 attacks: second factor (${dialect})`, () => {
    it('restarts enrolment on the API with the password as the contract promises, and the app in use stays on until a code of the new one confirms it', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const old = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        const wrongPassword = await h.inject({
          method: 'POST',
          url: '/api/v1/me/mfa/totp',
          headers: auth(alice),
          payload: { password: 'not the password at all' },
        });
        assert.equal(wrongPassword.statusCode, 400, wrongPassword.body);
        const restart = await h.inject({ method: 'POST', url: '/api/v1/me/mfa/totp', headers: auth(alice), payload: { password: PASSWORD } });
        assert.equal(restart.statusCode, 201, restart.body);
        const fresh = restart.json().secret as string;
        assert.notEqual(fresh, old.secret);
        // Pending only: the old app and its recovery codes still sign in.
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: old.recoveryCodes[0]! })).statusCode, 200, 'the old codes still work');
        const withOldApp = await h.inject({
          method: 'POST',
          url: '/api/v1/me/mfa/totp/confirm',
          headers: auth(alice),
          payload: { otp: codeAt(old.secret, clock) },
        });
        assert.equal(withOldApp.statusCode, 400, 'only a code of the new secret confirms it');
        clock.advanceSteps(1);
        const confirmed = await h.inject({ method: 'POST', url: '/api/v1/me/mfa/totp/confirm', headers: auth(alice), payload: { otp: codeAt(fresh, clock) } });
        assert.equal(confirmed.statusCode, 200, confirmed.body);
        clock.advanceSteps(1);
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: old.recoveryCodes[1]! })).statusCode, 401, 'the old recovery codes ended');
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(old.secret, clock) })).statusCode, 401, 'the old app ended');
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(fresh, clock) })).statusCode, 200, 'the new app signs in');
      });
    });

    it('refuses to set up a new app from /settings with the password alone while one is on: the code field is asked for and nothing is pending', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        const old = await enrolTotp(h, user, clock);
        clock.advanceSteps(1);
        const before = await secondFactorSnapshot(h, user.userId);
        const page = await browser.get('/settings');
        assert.match(page.body, /id="totp_start_code"/, 'the start form asks for the current app’s code');
        const refused = await browser.post('/settings/totp/start', { totp_password: PASSWORD });
        assert.equal(refused.status, 403);
        assert.match(refused.body, /id="totp_start_code-error"/);
        assert.doesNotMatch(refused.body, /id="totp-secret"/, 'no new secret shown');
        await browser.get('/settings');
        const wrong = await browser.post('/settings/totp/start', { totp_password: PASSWORD, totp_start_code: wrongCodes(old.secret, clock, 1)[0]! });
        assert.equal(wrong.status, 403);
        assert.equal(await secondFactorSnapshot(h, user.userId), before, 'nothing pending, the old secret and codes as they were');
        assert.equal((await browser.get('/settings/totp/qr.svg')).status, 404, 'no QR code of a new secret');

        await browser.get('/settings');
        const allowed = await browser.follow(browser.post('/settings/totp/start', { totp_password: PASSWORD, totp_start_code: codeAt(old.secret, clock) }));
        assert.match(allowed.body, /id="totp-secret"/, 'with the current code the new secret is shown');
      });
    });

    it('checks at most LOGIN_FREE_FAILURES of 40 wrong step-up codes sent at once; the rest are 429 with Retry-After and nothing moves', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: THROTTLED }, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(alice, 500_000);
        const { secret } = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        const before = await ledgerSnapshot(h.app);
        const transfer = (code: string) =>
          h.inject({
            method: 'POST',
            url: '/api/v1/transfers',
            headers: { ...auth(alice), 'mfa-code': code },
            payload: { from_account_id: alice.accountId, to: bob.username, amount: 100_000 },
          });
        const answers = await Promise.all(wrongCodes(secret, clock, 40).map(transfer));
        const statuses = answers.map((r) => r.statusCode);
        assert.ok(
          statuses.every((s) => s === 403 || s === 429),
          `only refusals: ${statuses.join(',')}`,
        );
        const limited = answers.filter((r) => r.statusCode === 429);
        assert.ok(limited.length >= 40 - h.config.loginFreeFailures, `at least ${40 - h.config.loginFreeFailures} throttled, got ${limited.length}`);
        assert.ok(limited.every((r) => r.json().error.code === 'rate_limited' && Number(r.headers['retry-after']) >= 1));
        const failed = await h.app.ctx.storage.db.selectFrom('security_events').select('details').where('type', '=', 'second_factor_failed').execute();
        assert.ok(failed.length <= h.config.loginFreeFailures, `at most ${h.config.loginFreeFailures} codes checked, ${failed.length} were`);
        assert.equal(await ledgerSnapshot(h.app), before, 'nothing moved');

        // The wait ends (never a permanent lock): a right code later passes and clears the count.
        clock.advanceSteps(2);
        const ok = await transfer(codeAt(secret, clock));
        assert.equal(ok.statusCode, 201, ok.body);
      });
    });

    it('throttles wrong codes to turn TOTP off even with the right password: the app stays on', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: THROTTLED }, async (h) => {
        const alice = await h.user('alice');
        const { secret } = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        const before = await secondFactorSnapshot(h, alice.userId);
        const statuses: number[] = [];
        for (const otp of wrongCodes(secret, clock, 12)) {
          const res = await h.inject({ method: 'DELETE', url: '/api/v1/me/mfa/totp', headers: auth(alice), payload: { password: PASSWORD, otp } });
          statuses.push(res.statusCode);
        }
        assert.deepEqual(statuses.slice(0, h.config.loginFreeFailures), Array(h.config.loginFreeFailures).fill(400), 'the free tries are checked');
        assert.ok(
          statuses.slice(h.config.loginFreeFailures).every((s) => s === 429),
          `then throttled: ${statuses.join(',')}`,
        );
        assert.equal(await secondFactorSnapshot(h, alice.userId), before, 'still on, codes as they were');
        const me = await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) });
        assert.equal(me.json().mfa.totp, true);
      });
    });
  });
}
